import { DEFAULT_E2E_WINDOW, hpaWindowSetting } from '../../../scripts/e2e/parts/scaling';

describe("the scaling part's scale-down window (E2E_HPA_WINDOW)", () => {
  it('is short by default, so that scale-in does not wait out five minutes', () => {
    expect(hpaWindowSetting(undefined)).toBe(DEFAULT_E2E_WINDOW);
    expect(hpaWindowSetting('')).toBe(DEFAULT_E2E_WINDOW);
    expect(DEFAULT_E2E_WINDOW).toBeLessThan(60);
  });

  it("keeps the manifest's own window when asked, or takes whole seconds", () => {
    expect(hpaWindowSetting('manifest')).toBe('manifest');
    expect(hpaWindowSetting('0')).toBe(0);
    expect(hpaWindowSetting('3600')).toBe(3600);
  });

  it.each(['300s', '-1', '1.5', '3601', 'Manifest', ' 20'])(
    'refuses %p, naming the variable, the value and what is allowed',
    (value) => {
      expect(() => hpaWindowSetting(value)).toThrow(
        `E2E_HPA_WINDOW=${value}: expected "manifest" (the staging HPA's own window) or whole seconds from 0 to 3600`,
      );
    },
  );
});
