/**
 * The host's layered prompt (docs/design.md, Authority): CORE (the kit's, or the embedder's
 * at construction), the human-approved ROLE-EXT entries from the store, and
 * the IDENTITY file — assembled by the core's pure `assembleLayeredPrompt`.
 * This module does the IO around it: read the approved extensions, read
 * (or start) the identity file, and report warnings.
 */
import { dirname } from "node:path";
import {
  type AuthorityStorePort,
  assembleLayeredPrompt,
  DEFAULT_CORE_PROMPT,
  DEFAULT_IDENTITY_CAP_CHARS,
  describeError,
} from "@first-mate/core";
import * as E from "fp-ts/lib/Either.js";
import { ensureIdentityFile, readIdentity } from "./identityFile.js";

/**
 * Where the layered prompt comes from: the store's approved ROLE-EXT entries, the IDENTITY file, an optional CORE
 * text, and how to report an oversized identity.
 */
export interface LayeredPromptOptions {
  readonly store: Pick<AuthorityStorePort, "listRoleExtensions">;
  readonly identityPath: string;
  /** Replaces the kit's CORE text; the supremacy line is added whatever it says. */
  readonly core?: string;
  readonly identityCapChars?: number;
  /** Told about an oversized identity or unreadable extensions. */
  readonly onWarning?: (warning: string) => void;
}

/** What the launcher tells a prompt source about this start. */
export interface PromptInput {
  /**
   * The IDENTITY text to use instead of reading the file (the launcher's
   * choice when the file is over its hard cap); null for none at all.
   */
  readonly identity?: string | null;
}

/** A prompt source for the launcher: assembles the layers afresh for every spawn. */
export const createLayeredPrompt =
  (options: LayeredPromptOptions) =>
  async (input: PromptInput = {}): Promise<string> => {
    await ensureIdentityFile(options.identityPath, dirname(options.identityPath));
    const extensions = await options.store.listRoleExtensions({ status: "approved" });
    if (E.isLeft(extensions)) {
      options.onWarning?.(`ROLE-EXT left out: ${describeError(extensions.left)}`);
    }
    const assembled = assembleLayeredPrompt({
      core: options.core ?? DEFAULT_CORE_PROMPT,
      roleExtensions: E.isRight(extensions) ? extensions.right.map(({ id, text }) => ({ id, text })) : [],
      identity: input.identity !== undefined ? input.identity : await readIdentity(options.identityPath),
      identityPath: options.identityPath,
      identityCapChars: options.identityCapChars ?? DEFAULT_IDENTITY_CAP_CHARS,
    });
    for (const warning of assembled.warnings) options.onWarning?.(warning);
    return assembled.text;
  };
