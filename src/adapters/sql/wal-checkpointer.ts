import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * The thread's code, as a string (`eval`): it then runs the same from the built JavaScript, under tsx and under
 * vitest. It opens its own connection to the database and checkpoints the WAL on a timer, in PASSIVE mode, which
 * never waits for or blocks the writer, and in RESTART mode when the log has grown long.
 */
const THREAD = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma('busy_timeout = 1000');
const checkpoint = () => {
  try {
    const [{ log }] = db.pragma('wal_checkpoint(PASSIVE)');
    // Under a steady stream of commits a PASSIVE checkpoint never catches up with the last frame, so the log is
    // never started over and grows without end. Past the limit, RESTART waits for the writer's current transaction,
    // copies the few frames PASSIVE left, and makes the next transaction start the log from the beginning.
    if (log > workerData.restartFrames) restart();
  } catch (error) {
    parentPort.postMessage({ error: error && error.message ? error.message : String(error) });
  }
};
// Busy: the writer or a reader did not let go within busy_timeout; the next tick tries again.
const restart = () => {
  try {
    db.pragma('wal_checkpoint(RESTART)');
  } catch (error) {
    if (!error || error.code !== 'SQLITE_BUSY') throw error;
  }
};
const timer = setInterval(checkpoint, workerData.intervalMs);
parentPort.on('message', (message) => {
  if (message !== 'stop') return;
  clearInterval(timer);
  checkpoint();
  db.close();
  parentPort.close();
});
`;

/**
 * Checkpoints a SQLite database's WAL from a worker thread. SQLite's automatic checkpoint runs inside the commit
 * that crosses 1,000 WAL pages, on the committing connection: copying those pages into the database file and its
 * fsync then stall the event loop, and every webhook waiting for its 200 with it (measured: 10 k acknowledgements/s
 * with the automatic checkpoint, 16 k without). The main connection turns it off (`wal_autocheckpoint = 0`) and this
 * thread does the same work beside it, without ever making the writer wait, until the log is long (see
 * `restartFrames`). The durability is unchanged: the same pages are written and synced.
 */
export class WalCheckpointer {
  private readonly worker: Worker;
  private stopped: Promise<void> | null = null;
  private exited = false;

  /** `onFailure`: the thread failed or exited early (the caller turns the automatic checkpoint back on). */
  /**
   * `restartFrames`: past this many frames in the log, a checkpoint also starts the log over (RESTART): the writer
   * waits for it, briefly, since the PASSIVE checkpoints before it left little to copy.
   */
  constructor(file: string, options: { intervalMs: number; restartFrames: number; onFailure: (error: Error) => void }) {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    this.worker = new Worker(THREAD, { eval: true, workerData: { file, driver, intervalMs: options.intervalMs, restartFrames: options.restartFrames } });
    this.worker.unref();
    let failed = false;
    const fail = (error: Error) => {
      if (failed || this.stopped) return;
      failed = true;
      options.onFailure(error);
    };
    this.worker.on('error', fail);
    this.worker.on('message', (message: { error?: string }) => {
      if (message.error) fail(new Error(`WAL checkpoint failed: ${message.error}`));
    });
    this.worker.on('exit', (code) => {
      this.exited = true;
      fail(new Error(`the WAL checkpoint thread exited with code ${code}`));
    });
  }

  /** A last checkpoint, then the thread's connection is closed (before the main one, which then finishes the WAL). */
  stop(): Promise<void> {
    this.stopped ??= new Promise<void>((resolve) => {
      if (this.exited) return resolve();
      this.worker.once('exit', () => resolve());
      this.worker.postMessage('stop');
    });
    return this.stopped;
  }
}
