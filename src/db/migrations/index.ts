import { Directory1763800000000 } from "./1763800000000-directory";

/** Every migration, oldest first. Listed by hand so the built server and the tests agree. */
export const MIGRATIONS = [Directory1763800000000];
