/**
 * The recommendation worker (`npm run worker`). Generation jobs arrive with the content issue;
 * until then it starts, says so, and waits for a signal so deployments can already run it.
 */
process.stdout.write(JSON.stringify({ level: 30, service: "stuckai-worker", msg: "worker started; no job handlers registered yet" }) + "\n");
const keepAlive = setInterval(() => {}, 1 << 30);
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, () => {
    clearInterval(keepAlive);
    process.stdout.write(JSON.stringify({ level: 30, service: "stuckai-worker", msg: "worker stopped", signal }) + "\n");
    process.exit(0);
  });
}
