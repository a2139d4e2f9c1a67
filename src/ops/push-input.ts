// Which way `lazyoci push` sends its arguments: a single chart, layout or docker archive
// keeps its own graph; anything else (several files, a :MEDIATYPE, --artifact-type, or a
// file that is none of those archives) goes as a files artifact.
import { detectArchive, NotAnArchiveError, type ArchiveKind } from '../content/detect-archive.js';
import type { PushFilesInput } from './push-files.js';

export type PushRoute = { route: 'archive'; kind: ArchiveKind } | { route: 'files' };

export async function choosePushRoute(files: readonly PushFilesInput[], artifactType: string | undefined): Promise<PushRoute> {
  const only = files.length === 1 ? files[0] : undefined;
  if (only === undefined || only.file.mediaType !== undefined || artifactType !== undefined) return { route: 'files' };
  try {
    const { kind } = await detectArchive(only.path, only.file.file);
    return { route: 'archive', kind };
  } catch (err) {
    // Missing files, layout-less directories and unsafe archives stay errors.
    if (err instanceof NotAnArchiveError) return { route: 'files' };
    throw err;
  }
}
