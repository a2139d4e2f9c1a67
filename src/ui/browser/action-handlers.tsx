// The browser's actions that open a dialog or lend the terminal: y (clipboard, OSC 52),
// c (copy / retag prompt, then the copy use case as a task), d (confirm, then delete; in
// the registries pane: forget a saved registry), v (raw JSON in $PAGER), a / e (the
// registry form). use-browser.ts hands them its state and services through ActionContext.
import { Box, Text } from 'ink';
import { RegistryError } from '../../errors/index.js';
import type { BrowseServices } from '../../ops/browse/browse-services.js';
import type { KnownRegistry } from '../../ops/browse/known-registries.js';
import type { Digest } from '../../oci/types.js';
import { formatReference, parseReference, type Reference } from '../../ref/reference.js';
import { terminalSafe } from '../terminal-safe.js';
import type { BrowserController } from './actions.js';
import type { BrowserState, StatusLine } from './browser-state.js';
import type { BrowserTerminal } from './browser-terminal.js';
import { errorText } from './describe-error.js';
import { ConfirmDialog } from './parts/ConfirmDialog.js';
import { clipboardSequence } from './parts/osc52.js';
import { openInPager } from './parts/pager.js';
import type { PartColors } from './parts/part-colors.js';
import { ReferencePrompt } from './parts/ReferencePrompt.js';
import { registryEntryInput, type RegistryFormValues } from './parts/registry-form-values.js';
import { RegistryForm } from './parts/RegistryForm.js';
import type { TaskSpec } from './task-runner.js';

export interface ActionContext {
  services: BrowseServices;
  readOnly: boolean;
  terminal: BrowserTerminal | undefined;
  current(): BrowserState;
  update(f: (s: BrowserState) => BrowserState): void;
  status(line: StatusLine | undefined): void;
  /** The row under the cursor of a list (a registry's name). */
  selected(pane: 'registries' | 'repositories' | 'tags'): string | undefined;
  /** HOST/REPO:TAG (or @DIGEST) of the selected tag in the tags pane, else of the open one. */
  selectedRef(): string | undefined;
  /** The digest the tag list already knows for a tag (its summary), if any. */
  knownDigest(tag: string): string | undefined;
  startTask(spec: TaskSpec): boolean;
  reloadRegistries(): void;
  /** The open repository's tags again, focus and cursor kept; `reopen`: the open tag's details too. */
  reloadTags(reopen: boolean): void;
  colors(): PartColors;
}

export type ActionHandlers = Pick<BrowserController, 'copyToClipboard' | 'copyRetag' | 'deleteSelected' | 'openPager' | 'addRegistry' | 'editRegistry'>;

/** The digest cut short, marked as cut. */
function shortDigest(digest: string): string {
  return digest.replace(/^(sha256:[0-9a-f]{12})[0-9a-f]+$/, '$1…');
}

const READ_ONLY = (what: string): StatusLine => ({ text: `${what} refused: --read-only`, tone: 'error' });


function errorLine(err: unknown, registry?: string): StatusLine {
  return { text: errorText(err, registry), tone: 'error' };
}

/** Each dialog opened is a new element (its own state), never the last one's. */
let opened = 0;

export function actionHandlers(ctx: ActionContext): ActionHandlers {
  const open = (element: React.ReactElement): void => {
    opened++;
    ctx.update((s) => ({ ...s, overlay: { kind: 'element', element: <Box key={opened} flexDirection="column">{element}</Box> } }));
  };
  const close = (): void => ctx.update((s) => ({ ...s, overlay: undefined }));

  /** The open tag's details, when they are of the tag these keys act on. */
  const openDetails = (): BrowserState['details']['data'] => {
    const s = ctx.current();
    if (s.focus === 'details') return s.details.data;
    if (s.focus === 'tags' && s.tag !== undefined && ctx.selected('tags') === s.tag) return s.details.data;
    return undefined;
  };

  /** What y copies: the registry, the repository, the tag, or (details) the manifest by digest. */
  const clipboardText = (): string | undefined => {
    const s = ctx.current();
    if (s.focus === 'registries') return ctx.selected('registries');
    if (s.registry === undefined) return undefined;
    if (s.focus === 'repositories') {
      const repo = ctx.selected('repositories');
      return repo === undefined ? undefined : `${s.registry}/${repo}`;
    }
    if (s.focus === 'details' && s.repository !== undefined && s.details.data !== undefined) {
      return `${s.registry}/${s.repository}@${s.details.data.summary.descriptor.digest}`;
    }
    return ctx.selectedRef();
  };

  const copyToClipboard = (): void => {
    const text = clipboardText();
    if (text === undefined) return ctx.status({ text: 'copy: select a repository or tag first', tone: 'error' });
    const shown = terminalSafe(text);
    if (ctx.terminal === undefined) return ctx.status({ text: `copy ${shown}: no terminal to send it to`, tone: 'error' });
    const sequence = clipboardSequence(text, ctx.terminal.env);
    if (sequence === undefined) return ctx.status({ text: `too long for the clipboard (OSC 52): ${shown}`, tone: 'error' });
    ctx.terminal.write(sequence);
    ctx.status({ text: `copied ${shown} to the clipboard`, tone: 'ok' });
  };

  const copyRetag = (): void => {
    if (ctx.readOnly) return ctx.status(READ_ONLY('copy / retag'));
    const source = ctx.selectedRef();
    if (source === undefined) return ctx.status({ text: 'copy / retag: select a tag first', tone: 'error' });
    if (ctx.current().task !== undefined) return ctx.status({ text: 'a task is running: Esc cancels it', tone: 'error' });
    const c = ctx.colors();
    const submit = (dest: Reference): void => {
      close();
      const src = parseReference(source);
      const title = `copying ${formatReference(src)} → ${formatReference(dest)}`;
      ctx.startTask({
        title,
        cancelled: 'copy cancelled',
        work: async (progress, signal) => {
          const result = await ctx.services.copy(src, dest, progress, signal);
          const s = ctx.current();
          if (dest.registry === s.registry && dest.repository === s.repository) ctx.reloadTags(true);
          return { text: `${result.retag ? 'retagged' : 'copied'} ${terminalSafe(source)} → ${terminalSafe(result.image)} (${shortDigest(result.digest)})`, tone: 'ok' };
        },
      });
    };
    open(
      <Box flexDirection="column" borderStyle="round" paddingX={1} {...(c.accent === undefined ? {} : { borderColor: c.accent })}>
        <Text bold>Copy / retag {terminalSafe(source)}</Text>
        <Text {...(c.muted === undefined ? {} : { color: c.muted })}>to another reference; the same repository with a new tag retags it</Text>
        <ReferencePrompt label="to" initial={source} onSubmit={submit} onCancel={close} colors={c} />
      </Box>,
    );
  };

  const forgetRegistry = (): void => {
    const name = ctx.selected('registries');
    if (name === undefined) return ctx.status({ text: 'no registry selected', tone: 'error' });
    const known: KnownRegistry | undefined = ctx.current().registries.items.find((r) => r.name === name);
    if (known === undefined || !known.sources.includes('saved')) {
      return ctx.status({ text: `${terminalSafe(name)} is not a saved registry (${known?.sources.join(', ') ?? 'unknown'}): nothing to forget`, tone: 'error' });
    }
    open(
      <ConfirmDialog
        title={`Forget the saved registry ${name}?`}
        details={['its label and saved credentials are removed from the settings file', 'the registry itself is not changed']}
        danger
        colors={ctx.colors()}
        onCancel={close}
        onConfirm={() => {
          close();
          ctx.services.removeRegistry(name).then(
            (removed) => {
              ctx.status({ text: `forgot registry ${terminalSafe(removed)}`, tone: 'ok' });
              ctx.reloadRegistries();
            },
            (err: unknown) => ctx.status(errorLine(err)),
          );
        }}
      />,
    );
  };

  const confirmDelete = (ref: string, digest: string): void => {
    open(
      <ConfirmDialog
        title={`Delete ${ref}?`}
        details={[`manifest ${digest}`, 'every tag that points to this manifest goes with it; this cannot be undone']}
        danger
        colors={ctx.colors()}
        onCancel={close}
        onConfirm={() => {
          close();
          const target = parseReference(ref);
          ctx.startTask({
            title: `deleting ${ref}`,
            cancelled: 'delete cancelled',
            // distribution keeps deletes off unless configured: said first, before the long request line.
            failed: (err) =>
              err instanceof RegistryError && (err.status === 405 || err.codes.some((c) => c.code === 'UNSUPPORTED'))
                ? { text: `${terminalSafe(target.registry)} does not allow deletes (405 UNSUPPORTED): nothing was deleted`, tone: 'error' }
                : undefined,
            work: async (_progress, signal) => {
              const result = await ctx.services.deleteManifest(target, digest as Digest, signal);
              ctx.reloadTags(false);
              // Its details are gone with it: the tags list has the keys.
              ctx.update((s) => (s.focus === 'details' ? { ...s, focus: 'tags' } : s));
              return { text: `deleted ${terminalSafe(ref)} (manifest ${shortDigest(result.digest)})`, tone: 'ok' };
            },
          });
        }}
      />,
    );
  };

  const deleteSelected = (): void => {
    const s = ctx.current();
    if (s.focus === 'registries') return forgetRegistry();
    if (ctx.readOnly) return ctx.status(READ_ONLY('delete'));
    const ref = ctx.selectedRef();
    if (ref === undefined || s.registry === undefined || s.repository === undefined) return ctx.status({ text: 'delete: select a tag first', tone: 'error' });
    if (s.task !== undefined) return ctx.status({ text: 'a task is running: Esc cancels it', tone: 'error' });
    const tag = s.focus === 'tags' ? ctx.selected('tags')! : s.tag!;
    const known = openDetails()?.summary.descriptor.digest ?? (tag.startsWith('sha256:') ? tag : ctx.knownDigest(tag));
    if (known !== undefined) return confirmDelete(ref, known);
    // The digest the dialog names is read first: the delete is refused if the tag moves after.
    const { registry, repository } = s;
    ctx.status({ text: `resolving ${terminalSafe(ref)}…`, tone: 'dim' });
    ctx.services.summary(registry, repository, tag).then(
      (summary) => {
        ctx.status(undefined);
        confirmDelete(ref, summary.digest);
      },
      (err: unknown) => ctx.status(errorLine(err, registry)),
    );
  };

  const openPager = (): void => {
    const s = ctx.current();
    const terminal = ctx.terminal;
    if (terminal === undefined) return ctx.status({ text: 'raw JSON: no terminal to page on', tone: 'error' });
    const ref = ctx.selectedRef();
    const tag = s.focus === 'tags' ? ctx.selected('tags') : s.tag;
    if (ref === undefined || tag === undefined || s.registry === undefined || s.repository === undefined) {
      return ctx.status({ text: 'raw JSON: select a tag first', tone: 'error' });
    }
    const { registry, repository } = s;
    const data = openDetails();
    const raw = data !== undefined ? Promise.resolve(data.raw) : ctx.services.details(registry, repository, tag).then((d) => d.raw);
    raw
      .then((text) => openInPager(text, { env: terminal.env, suspend: () => terminal.suspend(), resume: () => terminal.resume() }))
      .then(
        // A status line in both cases: the frame after the pager is drawn in full.
        (shown) =>
          ctx.status(
            shown
              ? { text: `raw JSON of ${terminalSafe(ref)} closed`, tone: 'dim' }
              : { text: 'raw JSON: no pager found; set $PAGER or install less', tone: 'error' },
          ),
        (err: unknown) => ctx.status(errorLine(err, registry)),
      );
  };

  const registryForm = (initial: { name: string; saved: boolean; entry?: Parameters<typeof RegistryForm>[0]['initial'] } | undefined): void => {
    const editing = initial?.saved === true ? initial.name : undefined;
    open(
      <RegistryForm
        {...(initial?.entry === undefined ? {} : { initial: initial.entry })}
        colors={ctx.colors()}
        onCancel={close}
        onTest={(values: RegistryFormValues) =>
          ctx.services.testConnection({
            registry: values.host.trim(),
            username: values.username.trim(),
            password: values.password,
            insecure: values.insecure,
            caFile: values.caFile,
          })
        }
        onSubmit={async (values) => {
          const saved = await ctx.services.saveRegistry(registryEntryInput(values, editing));
          close();
          ctx.status({ text: `${saved.created ? 'saved' : 'updated'} registry ${terminalSafe(saved.name)}`, tone: 'ok' });
          ctx.reloadRegistries();
        }}
      />,
    );
  };

  const addRegistry = (): void => registryForm(undefined);

  const editRegistry = (): void => {
    const name = ctx.selected('registries');
    if (name === undefined) return addRegistry();
    ctx.services.savedRegistry(name).then(
      (entry) => registryForm({ name: entry?.name ?? name, saved: entry !== undefined, entry: entry ?? { name } }),
      (err: unknown) => ctx.status(errorLine(err)),
    );
  };

  return { copyToClipboard, copyRetag, deleteSelected, openPager, addRegistry, editRegistry };
}
