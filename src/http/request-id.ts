import { randomUUID } from "node:crypto";
import type http from "node:http";

/** The client's x-request-id when it is a sane token, otherwise a new one. */
export function requestIdOf(req: http.IncomingMessage): string {
  const given = req.headers["x-request-id"];
  return typeof given === "string" && /^[A-Za-z0-9._:-]{1,128}$/.test(given) ? given : randomUUID();
}
