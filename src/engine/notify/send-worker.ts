/**
 * The notice sender's thread (src/engine/notify/send.ts `threadSender`): sends each round it is
 * given and answers with the outcomes, in order, under the round's number.
 */
import { parentPort } from 'node:worker_threads';
import { sendJobs, type SendJob } from './send.js';

parentPort!.on('message', (m: { n: number; jobs: SendJob[]; sendBy: number; timeoutMs: number }) => {
  sendJobs(m.jobs, m.sendBy, m.timeoutMs).then(
    (outcomes) => parentPort!.postMessage({ n: m.n, outcomes }),
    (err: Error) => parentPort!.postMessage({ n: m.n, error: err.message }),
  );
});
