import { describe, expect, it } from 'vitest';
import { errorFacts } from './errors.ts';

describe('errorFacts', () => {
  it('keeps a system error code and drops the message', () => {
    const err = Object.assign(new Error('connect ECONNREFUSED for caller Ada Byron'), {
      code: 'ECONNREFUSED',
    });
    const facts = errorFacts(new Error('wrapped Ada Byron', { cause: err }));
    expect(facts).toMatchObject({ code: 'ECONNREFUSED', errors: ['Error', 'Error'] });
    expect(JSON.stringify(facts)).not.toContain('Byron');
  });

  it('says only the type of a thrown value that is not an Error', () => {
    const facts = errorFacts('Ada Byron said her card number');
    expect(facts).toEqual({ errors: ['string'], frames: [] });
  });
});
