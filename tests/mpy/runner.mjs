// Run MicroPython code on the real interpreter (the WebAssembly build from npm).
//
//   node runner.mjs JOB.json        (or the job as JSON on stdin)
//
// JOB: {"files": [["/lib/frames.py", "/abs/host/path.py"], ...],   copied into the interpreter's FS
//       "entry": "check_frames",       module imported to run it (or "code": "python source")
//       "timeout_s": 30, "heap_mb": 16}
//
// MicroPython's stdout and stderr are passed through. Exit status: 0 ran to the end, 1 an uncaught
// MicroPython exception (its traceback is on stderr), 2 wall-clock timeout, 3 runner error.
// The interpreter runs in a worker thread, so a busy `while True:` cannot block the timeout.
// `@micropython.native` / `@micropython.viper` decorator lines are blanked (line numbers kept):
// this build rejects them at compile time.
import { readFileSync } from "node:fs";
import { Worker, isMainThread, parentPort, workerData } from "node:worker_threads";
import { fileURLToPath } from "node:url";

const DECORATOR = /^[ \t]*@micropython\.(native|viper)[ \t]*$/gm;

function readJob() {
  const arg = process.argv[2];
  const text = arg && arg !== "-" ? readFileSync(arg, "utf8") : readFileSync(0, "utf8");
  const job = JSON.parse(text);
  if (!job.entry && !job.code) throw new Error("job needs 'entry' or 'code'");
  return job;
}

function mkdirs(FS, path) {
  let cur = "";
  for (const part of path.split("/").slice(1, -1)) {
    cur += "/" + part;
    try { FS.mkdir(cur); } catch (e) { /* exists */ }
  }
}

async function runInWorker(job) {
  const { loadMicroPython } = await import("@micropython/micropython-webassembly-pyscript");
  const out = (stream) => (line) => parentPort.postMessage({ stream, text: line + "\n" });
  const mp = await loadMicroPython({
    heapsize: (job.heap_mb || 16) * 1024 * 1024,
    stdout: out("stdout"),
    stderr: out("stderr"),
    linebuffer: true,
  });
  for (const [dest, src] of job.files || []) {
    mkdirs(mp.FS, dest);
    let data = readFileSync(src);
    if (dest.endsWith(".py")) data = data.toString("utf8").replace(DECORATOR, "");
    mp.FS.writeFile(dest, data);
  }
  const code = job.code || `import ${job.entry}\n`;
  try {
    mp.runPython(code);
    parentPort.postMessage({ exit: 0 });
  } catch (e) {
    // PythonError's message is the MicroPython traceback.
    parentPort.postMessage({ stream: "stderr", text: String(e.message || e) });
    parentPort.postMessage({ exit: e.constructor && e.constructor.name === "PythonError" ? 1 : 3 });
  }
}

function main() {
  let job;
  try {
    job = readJob();
  } catch (e) {
    process.stderr.write(`runner: bad job: ${e.message}\n`);
    process.exit(3);
  }
  const worker = new Worker(fileURLToPath(import.meta.url), { workerData: job });
  let code = 3;
  const timeoutS = job.timeout_s || 30;
  const timer = setTimeout(() => {
    process.stderr.write(`runner: timed out after ${timeoutS} s (wall clock)\n`);
    code = 2;
    worker.terminate();
  }, timeoutS * 1000);
  worker.on("message", (m) => {
    if (m.stream === "stdout") process.stdout.write(m.text);
    else if (m.stream === "stderr") process.stderr.write(m.text);
    if (m.exit !== undefined) {
      code = m.exit;
      clearTimeout(timer);
    }
  });
  worker.on("error", (e) => {
    process.stderr.write(`runner: ${e.stack || e}\n`);
    code = 3;
    clearTimeout(timer);
  });
  worker.on("exit", () => {
    clearTimeout(timer);
    process.exitCode = code;
  });
}

if (isMainThread) main();
else runInWorker(workerData).catch((e) => {
  parentPort.postMessage({ stream: "stderr", text: `runner: ${e.stack || e}\n` });
  parentPort.postMessage({ exit: 3 });
});
