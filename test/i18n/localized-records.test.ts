import { parsePolicyForm, policyFormValues } from '../../src/admin/policy-form.js';
import { ConfigError, loadConfig } from '../../src/config/load.js';
import { DEMO_DISTRICT_NAME } from '../../src/config/schema.js';
import { LOCALES } from '../../src/i18n/i18n.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { WebClient } from '../helpers/web-client.js';

/**
 * Text a district gives per language (its name, its own challenge questions): a language it leaves out reads the
 * default language's entry, then the English one, never an id.
 */
describe('localized records of the configuration', () => {
  test("the demo district's name is given in every shipped language", () => {
    expect(Object.keys(DEMO_DISTRICT_NAME).sort()).toEqual([...LOCALES].sort());
    for (const name of Object.values(DEMO_DISTRICT_NAME)) expect(name.trim()).not.toBe('');
  });

  test('an empty record, an empty text or a key that is not a language tag is refused at start, naming the key', () => {
    const refused = (name: unknown) => {
      try {
        loadConfig({}, { district: { name } });
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        return String((error as Error).message);
      }
      throw new Error('accepted');
    };
    expect(refused({})).toMatch(/district\.name: give the text in at least one language/);
    expect(refused({ en: 'Lakes', es: '  ' })).toMatch(/district\.name\.es/);
    expect(refused({ English: 'Lakes' })).toMatch(/district\.name\.English/);
    expect(loadConfig({}, { district: { name: { en: 'Lakes', 'pt-BR': 'Lagos' } } }).district.name).toEqual({ en: 'Lakes', 'pt-BR': 'Lagos' });
  });

  describe('a district that gives fewer languages', () => {
    let server: TestServer;
    const ANIMAL = { en: 'What is your favorite animal?', fr: 'Quel est votre animal préféré ?' };
    beforeAll(async () => {
      server = await startTestServer('sqlite', {
        overrides: {
          i18n: { defaultLocale: 'es' },
          district: { name: { en: 'Lakes District', es: 'Distrito de los Lagos' } },
          claim: { questions: ['firstPet', 'favoriteTeacher', 'firstSchool', { id: 'favorite-animal', text: ANIMAL }] },
        },
      });
    });
    afterAll(() => server?.close());

    /** The claim's question page for Léa (unclaimed in the demo roster), in `lang`. */
    async function questionsPage(lang: string) {
      const family = new WebClient();
      await family.get(`${server.url}/claim?lang=${lang}`);
      await family.submit('/identify', { familyName: 'Côté', givenName: 'Léa', studentId: '100003' });
      return family.submit('/password', { password: 'Lea-Fresh-Start-9', confirm: 'Lea-Fresh-Start-9' });
    }
    const title = (html: string) => /<title>([^<]*)<\/title>/.exec(html)![1];

    test("the district's name: the language's own entry, else the default language's", async () => {
      const page = (lang: string) => new WebClient().get(`${server.url}/?lang=${lang}`);
      expect(title((await page('en')).html)).toContain('· Lakes District');
      expect(title((await page('es')).html)).toContain('· Distrito de los Lagos');
      for (const lang of ['vi', 'ar', 'zh', 'fr'])
        expect({ lang, title: title((await page(lang)).html) }).toEqual({ lang, title: expect.stringContaining('· Distrito de los Lagos') });
    });

    test("the district's own question: the language's entry, else the default language's, else English; never its id", async () => {
      const vietnamese = await questionsPage('vi');
      expect(vietnamese.status).toBe(200);
      expect(vietnamese.html).toMatch(/<html lang="vi"/);
      // Spanish, the default language, has no text for it: English then.
      expect(vietnamese.html).toContain(`>${ANIMAL.en}</option>`);
      expect(vietnamese.html).toContain(`>${server.services.i18n.t('vi', 'questions.firstPet')}</option>`);
      expect(vietnamese.html).not.toContain('>favorite-animal<');
      const french = await questionsPage('fr');
      expect(french.html).toContain(`>${ANIMAL.fr}</option>`);
    });

    test("saving the console's policies, which edits a question's English and French, keeps its other languages", () => {
      const snapshot = server.services.policies.snapshot();
      const text = { ...ANIMAL, es: '¿Cuál es su animal favorito?', vi: 'Con vật bạn yêu thích nhất là gì?' };
      const current = { ...snapshot, 'claim.questions': ['firstPet', 'favoriteTeacher', 'firstSchool', { id: 'favorite-animal', text }] };
      const form = { ...policyFormValues(current), 'custom_favorite-animal_en': 'Which animal do you like best?' };
      const { values, errors } = parsePolicyForm(form, { current, hasClaimDelay: false, questionsInUse: new Set(), maxPasswordLength: 128, rolesWithStudents: new Set() });
      expect(errors).toEqual([]);
      expect(values['claim.questions']).toContainEqual({ id: 'favorite-animal', text: { ...text, en: 'Which animal do you like best?' } });
    });
  });
});
