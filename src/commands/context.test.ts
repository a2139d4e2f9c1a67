import { Readable } from 'node:stream';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../errors/index.js';
import { globalOptions, registryOptions, takePasswordFromStdin, type CommandIO } from './context.js';

/** A program with the credential flags and one subcommand, parsed; returns the subcommand. */
function parsed(args: string[]): Command {
  let action: Command | undefined;
  const program = new Command('lazyoci')
    .exitOverride()
    .option('--username <name>')
    .option('--password <secret>')
    .option('--password-stdin')
    .option('--registry <host>');
  program.addCommand(
    new Command('sub').action(function (this: Command) {
      action = this;
    }),
  );
  program.parse([...args, 'sub'], { from: 'user' });
  return action!;
}

function io(input: string, tty = false): CommandIO {
  const stdin = Readable.from([Buffer.from(input)]) as Readable & { isTTY?: boolean };
  if (tty) stdin.isTTY = true;
  return { stdin, stdout: () => {}, stderr: () => {}, env: {}, cwd: '/', setExitCode: () => {} };
}

describe('takePasswordFromStdin', () => {
  it('takes the password from stdin, dropping one trailing newline', async () => {
    for (const [input, want] of [
      ['s3cret\n', 's3cret'],
      ['s3cret\r\n', 's3cret'],
      ['s3cret', 's3cret'],
      ['two words \n\n', 'two words \n'],
    ] as const) {
      const action = parsed(['--username', 'u', '--password-stdin']);
      await takePasswordFromStdin(action, io(input));
      expect(globalOptions(action).password).toBe(want);
    }
  });

  it('does nothing without --password-stdin', async () => {
    const action = parsed(['--username', 'u', '--password', 'p']);
    await takePasswordFromStdin(action, io('ignored\n'));
    expect(globalOptions(action).password).toBe('p');
  });

  it('refuses --password with it, no --username, a terminal, an empty or oversized input', async () => {
    const cases: [string[], CommandIO, RegExp][] = [
      [['--username', 'u', '--password', 'p', '--password-stdin'], io('x\n'), /mutually exclusive/],
      [['--password-stdin'], io('x\n'), /needs --username/],
      [['--username', 'u', '--password-stdin'], io('x\n', true), /standard input is a terminal/],
      [['--username', 'u', '--password-stdin'], io('\n'), /standard input was empty/],
      [['--username', 'u', '--password-stdin'], io('x'.repeat(70 * 1024)), /not a password/],
    ];
    for (const [args, stdin, message] of cases) {
      const error = await takePasswordFromStdin(parsed(args), stdin).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UsageError);
      expect((error as Error).message).toMatch(message);
    }
  });
});

describe('registryOptions: which registry flag and env credentials are for', () => {
  it('the command primary registry, unless --registry names one (normalised)', () => {
    expect(registryOptions(globalOptions(parsed([])), {}, '0', undefined, 'dest.example.com').credentialRegistry).toBe('dest.example.com');
    const named = globalOptions(parsed(['--registry', 'https://Index.Docker.io/v1/']));
    expect(named.registry).toBe('docker.io');
    expect(registryOptions(named, {}, '0', undefined, 'dest.example.com').credentialRegistry).toBe('docker.io');
    expect(() => globalOptions(parsed(['--registry', 'a/b']))).toThrow(UsageError);
  });
});
