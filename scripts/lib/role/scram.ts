// A SCRAM-SHA-256 verifier computed here, so that CREATE/ALTER ROLE ... PASSWORD carries it instead of
// the password: the server log (log_statement = ddl) and pg_stat_statements never see the clear text.
// PostgreSQL stores a string of this form as it is (RFC 5803; PostgreSQL's own scram_build_secret).
import { createHash, createHmac, pbkdf2Sync, randomBytes } from "node:crypto";

/** PostgreSQL's default scram_iterations. */
const SCRAM_ITERATIONS = 4096;

export function scramVerifier(password: string, salt: Buffer = randomBytes(16), iterations = SCRAM_ITERATIONS): string {
  const salted = pbkdf2Sync(Buffer.from(saslPrep(password), "utf8"), salt, iterations, 32, "sha256");
  const clientKey = createHmac("sha256", salted).update("Client Key").digest();
  const storedKey = createHash("sha256").update(clientKey).digest();
  const serverKey = createHmac("sha256", salted).update("Server Key").digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString("base64")}$${storedKey.toString("base64")}:${serverKey.toString("base64")}`;
}


// PostgreSQL prepares the password with SASLprep (RFC 4013) before hashing, and uses it unchanged when
// that fails (prohibited characters). An ASCII password is unchanged either way; for others this applies
// the mappings and NFKC, and falls back like the server on control and private-use characters.
const MAPPED_TO_NOTHING = /[\u00AD\u034F\u1806\u180B-\u180D\u200B-\u200D\u2060\uFE00-\uFE0F\uFEFF]/gu;
const NON_ASCII_SPACE = /[\u00A0\u1680\u2000-\u200B\u202F\u205F\u3000]/gu;
const PROHIBITED = /[\u0000-\u001F\u007F-\u009F\u2028\u2029\uE000-\uF8FF\uFFF9-\uFFFF]|[\u{F0000}-\u{10FFFF}]/u;

function saslPrep(password: string): string {
  if (/^[\x20-\x7E]*$/.test(password)) return password;
  const prepared = password.replace(NON_ASCII_SPACE, " ").replace(MAPPED_TO_NOTHING, "").normalize("NFKC");
  return prepared === "" || PROHIBITED.test(prepared) ? password : prepared;
}
