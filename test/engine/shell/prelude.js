// Runs in the `jerry` shell before a built program: the Kaluma board globals our programs use, over a
// virtual clock (docs: kaluma-api.md §2.1, §2.2, §2.4). The timers only queue here; epilogue.js runs
// them. Plain ES2015 for JerryScript 2.4; sloppy script, like the shell parses it.
(function (g) {
  var now = 0;
  var nextId = 1;
  var timers = {};
  var uncaught = 0;

  function addTimer(cb, ms, repeat) {
    if (typeof cb !== 'function') throw new TypeError('the callback must be a function');
    if (typeof ms !== 'number') throw new TypeError('the delay must be a number');
    var id = nextId++;
    timers[id] = { cb: cb, deadline: now + ms, interval: repeat ? ms : -1 };
    return id;
  }

  // Kaluma's clearTimeout and clearInterval are one native function that refuses a non-number.
  function clearTimer(id) {
    if (typeof id !== 'number') throw new TypeError('the timer id must be a number');
    delete timers[id];
  }

  function describe(e) {
    if (e instanceof Error) return e.name + ': ' + e.message + (e.stack ? ' [' + e.stack.join(' <- ') + ']' : '');
    return String(e);
  }

  function ids() {
    // Integer keys enumerate in ascending order: creation order, like Kaluma's timer list.
    return Object.keys(timers).map(Number);
  }

  // One loop pass: the timers already due (now > deadline) run; if none is, the clock first jumps to
  // the earliest deadline + 1 ms. A callback that throws is reported and the loop goes on.
  function pass() {
    var all = ids();
    var due = all.filter(function (id) { return now > timers[id].deadline; });
    if (due.length === 0 && all.length > 0) {
      var first = Math.min.apply(null, all.map(function (id) { return timers[id].deadline; }));
      now = first + 1;
      due = all.filter(function (id) { return now > timers[id].deadline; });
    }
    due.forEach(function (id) {
      var t = timers[id];
      if (!t) return;
      if (t.interval < 0) delete timers[id];
      else t.deadline += t.interval;
      try {
        t.cb.call(undefined);
      } catch (e) {
        uncaught++;
        print('UNCAUGHT ' + describe(e));
      }
    });
  }

  function text(args) {
    return Array.prototype.map.call(args, function (a) { return typeof a === 'string' ? a : JSON.stringify(a); }).join(' ');
  }

  function checkLabel(label) {
    if (label !== 'utf-8' && label !== 'ascii') throw new Error('Unsupported encoding.');
  }

  function TextEncoder(label) {
    this.encoding = label === undefined ? 'utf-8' : label;
  }
  TextEncoder.prototype.encode = function (s) {
    checkLabel(this.encoding);
    if (typeof s !== 'string') throw new TypeError('the input must be a string');
    var out = [];
    for (var i = 0; i < s.length; i++) {
      var c = s.charCodeAt(i);
      if (this.encoding === 'ascii') out.push(c & 0xff);
      else if (c < 0x80) out.push(c);
      else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
      else {
        var d = s.charCodeAt(i + 1);
        if (c >= 0xd800 && c < 0xdc00 && d >= 0xdc00 && d < 0xe000) {
          c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
          i++;
          out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
        } else out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
      }
    }
    return new Uint8Array(out);
  };

  function TextDecoder(label) {
    this.encoding = label === undefined ? 'utf-8' : label;
  }
  TextDecoder.prototype.decode = function (u8) {
    checkLabel(this.encoding);
    if (!(u8 instanceof Uint8Array)) throw new Error('input must be Uint8Array.');
    var s = '';
    for (var i = 0; i < u8.length; ) {
      var b = u8[i];
      var n = this.encoding === 'ascii' || b < 0x80 ? 0 : b >= 0xf0 ? 3 : b >= 0xe0 ? 2 : 1;
      var c = n === 0 ? b : b & (0x3f >> n);
      for (var k = 1; k <= n; k++) c = (c << 6) | (u8[i + k] & 63);
      i += n + 1;
      s += c > 0xffff ? String.fromCharCode(0xd800 + ((c - 0x10000) >> 10), 0xdc00 + ((c - 0x10000) & 0x3ff)) : String.fromCharCode(c);
    }
    return s;
  };

  g.global = g;
  g.setTimeout = function (cb, ms) { return addTimer(cb, ms, false); };
  g.setInterval = function (cb, ms) { return addTimer(cb, ms, true); };
  g.clearTimeout = clearTimer;
  g.clearInterval = clearTimer;
  g.millis = function () { return now; };
  g.console = {
    log: function () { if (arguments.length) print(text(arguments)); },
    error: function () { if (arguments.length) print(text(arguments)); },
  };
  g.TextEncoder = TextEncoder;
  g.TextDecoder = TextDecoder;
  // For epilogue.js only.
  Object.defineProperty(g, '__engineLoop', {
    value: {
      pass: pass,
      pending: function () { return ids().length > 0; },
      uncaught: function () { return uncaught; },
      now: function () { return now; },
    },
  });
})(globalThis);
