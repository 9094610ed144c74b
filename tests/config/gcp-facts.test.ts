import { MACHINE_KINDS, MACHINE_SHAPES, REGION_ZONES, zonesOf } from '../../infra/config/gcp-facts';

// The fact tables' shape: what a hand edit (adding a region or a shape) could get wrong.
describe('the pinned regions and zones', () => {
  it('name every region and zone the way Compute Engine does', () => {
    for (const [region, letters] of Object.entries(REGION_ZONES)) {
      expect([region, /^[a-z]+-[a-z]+[1-9]\d*$/.test(region)]).toEqual([region, true]);
      expect([region, /^[a-z]{3,}$/.test(letters), new Set(letters).size]).toEqual([
        region,
        true,
        letters.length,
      ]);
    }
  });

  it('give every region a zone b, the default zone', () => {
    for (const region of Object.keys(REGION_ZONES))
      expect(zonesOf(region)).toContain(`${region}-b`);
  });

  it('know europe-west10 and not europe-west7', () => {
    expect(zonesOf('europe-west10')).toEqual([
      'europe-west10-a',
      'europe-west10-b',
      'europe-west10-c',
    ]);
    expect(zonesOf('europe-west7')).toBeUndefined();
    expect(zonesOf('toString')).toBeUndefined();
  });
});

describe('the machine shapes', () => {
  it('list, per family, kinds it comes in and vCPU counts in rising order', () => {
    for (const [family, kinds] of Object.entries(MACHINE_SHAPES)) {
      expect(
        Object.keys(kinds).every((k) => (MACHINE_KINDS as readonly string[]).includes(k)),
      ).toBe(true);
      expect(kinds.standard).toBeDefined();
      for (const counts of Object.values(kinds))
        expect([family, counts]).toEqual([family, [...new Set(counts)].sort((a, b) => a - b)]);
    }
  });

  it('hold the shapes the reference set-up names (control plane and workers)', () => {
    expect(MACHINE_SHAPES.e2?.standard).toContain(2);
    expect(MACHINE_SHAPES.n2?.standard).toContain(2);
    expect(MACHINE_SHAPES.n2d?.standard).toContain(2);
  });
});
