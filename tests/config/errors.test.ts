import { ConfigError, readTogether } from '../../infra/config/errors';

const refuse = (key: string) => () => {
  throw new ConfigError([{ key, value: 'x', allowed: 'y' }]);
};

describe('readTogether', () => {
  it("returns every reader's result, in order", () => {
    expect(
      readTogether(
        () => 1,
        () => 'two',
      ),
    ).toEqual([1, 'two']);
  });

  it('throws one ConfigError with the issues of every reader that failed, in order', () => {
    let thrown: unknown;
    try {
      readTogether(refuse('a.first'), () => 2, refuse('b.second'));
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as ConfigError).message).toBe(
      ['a.first = "x" is invalid: must be y', 'b.second = "x" is invalid: must be y'].join('\n'),
    );
  });

  it('lets any other error through unchanged', () => {
    expect(() =>
      readTogether(refuse('a.first'), () => {
        throw new TypeError('bug');
      }),
    ).toThrow(new TypeError('bug'));
  });
});
