// --help for every command, and usage errors as one line: the built CLI as a
// real process, as a user or a CI script runs it.
import { describe, expect, test } from 'vitest';
import { runCli } from '../engine/testing/cli.js';

describe('--help and -h print the usage on stdout and exit 0', () => {
  for (const command of ['list', 'report', 'serve-reference', 'serve-maelstrom', 'docker-image']) {
    for (const flag of ['--help', '-h']) {
      test(`gossipcheck ${command} ${flag}`, async () => {
        const res = await runCli([command, flag]);
        expect(res.code, res.stderr).toBe(0);
        expect(res.stdout).toMatch(new RegExp(`^usage: gossipcheck ${command}`));
        expect(res.stderr).toBe('');
      });
    }
  }

  test('gossipcheck --help lists every command on stdout', async () => {
    const res = await runCli(['--help']);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^usage: gossipcheck <command>/);
    for (const c of ['run', 'list', 'replay', 'report', 'serve-reference', 'serve-maelstrom'])
      expect(res.stdout).toContain(c);
  });

  test('serve-reference --help names every broken fixture', async () => {
    const res = await runCli(['serve-reference', '--help']);
    expect(res.stdout).toContain('ignores-pull');
    expect(res.stdout).toContain('--fixture NAME');
  });
});

describe('usage errors: one line on stderr, exit 2', () => {
  test('gossipcheck with no arguments: usage on stderr, nothing on stdout', async () => {
    const res = await runCli([]);
    expect(res.code).toBe(2);
    expect(res.stdout).toBe('');
    expect(res.stderr).toMatch(/^usage: gossipcheck <command>/);
  });

  // node's parseArgs explains an ambiguous value over three lines.
  const cases: [string, string[], RegExp][] = [
    ['an option value that starts with a dash', ['run', '--seed', '-5'], /--seed.*ambiguous.*--seed=-XYZ/],
    ['an unknown flag', ['list', '--bogus'], /Unknown option '--bogus'/],
    ['an unknown command', ['frobnicate'], /unknown command 'frobnicate'/],
    ['a bad fixture name', ['serve-reference', '--fixture', 'nope'], /--fixture must be one of/],
    ['report without a directory', ['report'], /at least one report directory/],
    ['serve-maelstrom without a node command', ['serve-maelstrom'], /needs --node/],
  ];
  for (const [what, args, message] of cases) {
    test(what, async () => {
      const res = await runCli(args);
      expect(res.code).toBe(2);
      expect(res.stdout).toBe('');
      expect(res.stderr).toMatch(message);
      expect(res.stderr.trimEnd().split('\n')).toHaveLength(1);
    });
  }
});
