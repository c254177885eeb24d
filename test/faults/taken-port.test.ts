import { ServerProcess, ensureBuilt, killAllServers, tempDir } from "../support/process";

/** A second gateway on a port already taken says which variable to change, not a stack trace. */

jest.setTimeout(120_000);

describe("starting on a port that is taken", () => {
  const first = tempDir();
  const second = tempDir();
  afterAll(async () => {
    await killAllServers();
    first.cleanup();
    second.cleanup();
  });

  it("exits with status 1 and a message that names PORT", async () => {
    await ensureBuilt();
    const running = await ServerProcess.start(first.file);
    const port = new URL(running.url).port;
    const failure = await ServerProcess.start(second.file, { PORT: port }).then(
      () => null,
      (error: Error) => error.message,
    );
    expect(failure).not.toBeNull();
    expect(failure).toContain('"code":1');
    expect(failure).toContain(`helpgate: could not start: port ${port} on 127.0.0.1 is already in use`);
    expect(failure).toMatch(/Set PORT to a free port, e\.g\. PORT=\d+ npm start, or PORT=0 for any free one\./);
    expect(failure).not.toMatch(/EADDRINUSE|\n\s+at /);
  }, 200_000);
});
