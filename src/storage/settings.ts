/** The document store's settings, read from the environment. */
import { z } from 'zod';
import { loadConfig } from '../config';

/** Where the filesystem document store keeps its files. */
export interface DocumentStoreSettings {
  /** The store's folder, relative to the working directory or absolute. */
  root: string;
}

const documentStoreSettingsSchema = z.object({
  DOCUMENT_STORE_ROOT: z.string().min(1).default('.data/documents'),
});

/** Reads `DOCUMENT_STORE_ROOT` (default `.data/documents`). */
export function loadDocumentStoreSettings(env: NodeJS.ProcessEnv = process.env): DocumentStoreSettings {
  return { root: loadConfig(documentStoreSettingsSchema, env).DOCUMENT_STORE_ROOT };
}
