const started = Date.now();

/** The reply to one command line, or null to close the connection. */
export function handleLine(line) {
  const space = line.indexOf(' ');
  const command = (space < 0 ? line : line.slice(0, space)).toUpperCase();
  const arg = space < 0 ? '' : line.slice(space + 1);
  switch (command) {
    case 'PING':
      return 'PONG';
    case 'TIME':
      return 'UP ' + Math.round((Date.now() - started) / 1000) + ' s';
    case 'ECHO':
      return arg;
    case 'QUIT':
      return null;
    default:
      return 'ERR unknown command ' + JSON.stringify(command);
  }
}
