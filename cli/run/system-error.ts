/** Messages of Kaluma's SystemError table for the codes drivers and programs meet (kaluma-api.md §2.6). */
export const SYSTEM_ERROR_MESSAGES: Record<number, string> = {
  1: 'Operation not permitted',
  5: 'I/O error',
  6: 'No such device or address',
  9: 'Bad file number',
  11: 'No more processes',
  12: 'Not enough space',
  16: 'Device or resource busy',
  22: 'Invalid argument',
  24: 'File descriptor value too large',
  32: 'Broken pipe',
  62: 'Timer expired',
  71: 'Protocol error',
  88: 'Socket operation on non-socket',
  90: 'Message too long',
  93: 'Unknown protocol',
  97: 'Address family not supported by protocol family',
  98: 'Address already in use',
  99: 'Address not available',
  100: 'Network interface is not configured',
  101: 'Network is unreachable',
  103: 'Software caused connection abort',
  104: 'Connection reset by peer',
  105: 'No buffer space available',
  106: 'Socket is already connected',
  107: 'Socket is not connected',
  108: "Can't send after socket shutdown",
  110: 'Connection timed out',
  111: 'Connection refused',
  113: 'Host is unreachable',
  114: 'Socket already connected',
  115: 'Connection already in progress',
  121: 'Remote I/O error',
  122: 'Quota exceeded',
  140: 'Invalid pin number',
  141: 'No peripheral',
  142: 'Storage full',
  143: 'Storage no key',
  144: 'Storage size',
  145: 'Device Init/Deinit Error',
  146: 'Device Read Error',
  147: 'Device Write Error',
};

/** Source of the SystemError constructor, evaluated inside the sandbox so it belongs to its realm. */
export const SYSTEM_ERROR_SOURCE = `(function (messages) {
  function SystemError(errno) {
    if (typeof errno !== 'number') throw new TypeError('"errno" argument must be a number');
    var e = Object.create(SystemError.prototype);
    e.errno = errno > 0 ? -errno : errno;
    e.message = messages[-e.errno] || 'Unknown error';
    return e;
  }
  SystemError.prototype = Object.create(Error.prototype);
  SystemError.prototype.constructor = SystemError;
  return SystemError;
})`;
