// Runs in the `jerry` shell after the program: drives prelude.js's timer loop until no timer is left,
// then prints one line `ENGINE LOOP DONE passes=<n> ms=<virtual ms> uncaught=<n>` (or `ENGINE LOOP LIMIT
// ...` when a program never goes idle). The shell runs promise jobs only once, after its last file,
// until the job queue is empty; so each loop pass is itself a promise job, and between two passes HOPS
// further jobs requeue the next pass at the back of the queue. A chain of up to HOPS dependent promise
// jobs thus finishes between two passes, as Kaluma's idle step runs all jobs before the next timers.
(function (loop) {
  var HOPS = 32;
  var MAX_PASSES = 100000;
  var MAX_MS = 600000;
  var passes = 0;

  function step() {
    if (!loop.pending()) {
      print('ENGINE LOOP DONE passes=' + passes + ' ms=' + loop.now() + ' uncaught=' + loop.uncaught());
      return;
    }
    if (passes >= MAX_PASSES || loop.now() >= MAX_MS) {
      print('ENGINE LOOP LIMIT passes=' + passes + ' ms=' + loop.now() + ' uncaught=' + loop.uncaught());
      return;
    }
    passes++;
    loop.pass();
    settle(HOPS);
  }

  function settle(n) {
    if (n === 0) step();
    else Promise.resolve().then(function () { settle(n - 1); });
  }

  settle(HOPS);
})(globalThis.__engineLoop);
