import { loadCatalog, LOCALES } from '../../src/i18n/i18n.js';
import { ISSUE_CODES, issueReason } from '../../src/roster/issue-text.js';

describe('import problems as message ids', () => {
  test('every problem the importer reports has a message in each language, and only those do', () => {
    for (const locale of LOCALES) {
      const issues = (loadCatalog(locale) as { roster: { issues: Record<string, string> } }).roster.issues;
      expect(Object.keys(issues).sort()).toEqual([...ISSUE_CODES].sort());
    }
  });

  test('the English text fills in the values, and keeps a placeholder it has no value for visible', () => {
    expect(issueReason('classMissing', { class: 'cls-1' })).toBe('class cls-1 is not in classes.csv');
    expect(issueReason('usernameTwice', { username: 'S0123', line: 7 })).toBe('username S0123 is also the username of the user on line 7');
    expect(issueReason('orgMissing')).toBe('org {{org}} is not in orgs.csv');
  });
});
