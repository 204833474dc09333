export const PORT = 7000;
export const GREETING = 'kaluma-net sample: PING, TIME, ECHO <text>, QUIT';
