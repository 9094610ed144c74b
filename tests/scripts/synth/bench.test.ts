import { median, parseArgs } from '../../../scripts/synth/bench';

describe('npm run synth:bench arguments', () => {
  it('defaults to 7 rounds without the ts-node column', () => {
    expect(parseArgs([])).toEqual({ runs: 7, tsNode: false });
    expect(parseArgs(['--runs=15', '--ts-node'])).toEqual({ runs: 15, tsNode: true });
  });

  it('refuses a bad round count or an unknown argument, naming it and what is allowed', () => {
    expect(() => parseArgs(['--runs=0'])).toThrow('synth:bench: --runs is "0"; allowed: 1 to 99');
    expect(() => parseArgs(['--runs=abc'])).toThrow('--runs is "abc"; allowed: 1 to 99');
    expect(() => parseArgs(['--fast'])).toThrow(
      'synth:bench: unknown argument "--fast"; allowed: --runs=<1-99>, --ts-node',
    );
  });
});

describe('median', () => {
  it('takes the middle value, or the mean of the two middle ones, whatever the order', () => {
    expect(median([0.3, 0.1, 0.2])).toBe(0.2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(() => median([])).toThrow('median of no values');
  });
});
