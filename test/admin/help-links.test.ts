import { ENGINES, startTestServer, type TestServer } from '../helpers/server.js';
import { WebClient } from '../helpers/web-client.js';
import { ADMIN, echoed, on, signedIn, STUDENT, submitForm, TEACHER } from './helpers.js';

/** Help-link tiles managed in the console, stored in the database, with the config's (or built-in) links as fallback. */
describe.each(ENGINES)('admin console: help links (%s)', (engine) => {
  let server: TestServer;
  let admin: WebClient;

  beforeAll(async () => {
    server = await startTestServer(engine, {
      overrides: { portal: { helpLinks: [{ id: 'district-faq', title: { en: 'District FAQ', fr: 'FAQ du district' }, url: 'https://district.example/faq' }] } },
    });
    admin = await signedIn(server, ADMIN);
  });
  afterAll(() => server.close());

  const loginPage = async () => (await new WebClient().get(`${server.url}/`)).html;

  test('without links of its own the console shows the config file’s, and the portal and login page use them', async () => {
    const page = await admin.get(`${server.url}/admin/help-links`);
    expect(page.html).toContain('the links from the configuration file are shown: District FAQ');
    expect(await loginPage()).toContain('District FAQ');
  });

  test('validation: missing title, unsafe address or a bad order is a 400 with the fields kept, nothing saved', async () => {
    await admin.get(`${server.url}/admin/help-links/new`);
    let page = await submitForm(admin, '/admin/help-links', { title_en: '', title_fr: '', url: 'javascript:alert(1)', position: 'first' });
    expect(page.status).toBe(400);
    const alert = admin.alert()!;
    expect(alert).toContain('Enter a title in at least one language.');
    expect(alert).toContain('Enter an address that starts with https://');
    expect(alert).toContain('Order must be a whole number.');
    expect(echoed(page.html, 'url')).toBe('javascript:alert(1)');
    page = await submitForm(admin, '/admin/help-links', { title_en: 'Wi-Fi', url: 'http://wifi.example/' });
    expect(page.status).toBe(400);
    expect(echoed(page.html, 'title_en')).toBe('Wi-Fi');
    expect(await server.services.helpLinks.list()).toEqual([]);
  });

  test('create, edit and delete: the portal and the login page follow at once; every change is audited with before and after', async () => {
    await admin.get(`${server.url}/admin/help-links/new`);
    let page = await submitForm(admin, '/admin/help-links', {
      title_en: 'Wi-Fi at home',
      title_fr: 'Le Wi-Fi à la maison',
      url: 'https://district.example/wifi',
      position: '1',
      ...on('showOnLogin'),
    });
    expect(page.url).toContain('/admin/help-links?done=saved');
    await admin.get(`${server.url}/admin/help-links/new`);
    await submitForm(admin, '/admin/help-links', { title_en: 'Staff handbook', url: '/help/login', position: '2', ...on('role_teacher', 'role_staff') }, ['showOnLogin']);

    const links = await server.services.helpLinks.list();
    expect(links.map((l) => l.title.en)).toEqual(['Wi-Fi at home', 'Staff handbook']);
    // The database's links replace the config file's.
    const login = await loginPage();
    expect(login).toContain('Wi-Fi at home');
    expect(login).not.toContain('District FAQ');
    expect(login).not.toContain('Staff handbook'); // not on the login page
    const student = await signedIn(server, STUDENT);
    expect((await student.get(`${server.url}/?lang=fr`)).html).toContain('Le Wi-Fi à la maison');
    expect(student.page!.html).not.toContain('Staff handbook');
    const teacher = await signedIn(server, TEACHER);
    expect(teacher.page!.html).toContain('Staff handbook');

    const [created] = await server.services.audit.recent({ type: 'help_link.created', subjectId: links[0].id });
    expect(created.data).toMatchObject({ before: null, after: { title: { en: 'Wi-Fi at home', fr: 'Le Wi-Fi à la maison' }, url: 'https://district.example/wifi' } });

    // Edit.
    await admin.get(`${server.url}/admin/help-links/${links[0].id}`);
    page = await submitForm(admin, `/admin/help-links/${links[0].id}`, { title_en: 'Home Wi-Fi' });
    expect(page.url).toContain('done=saved');
    expect(await loginPage()).toContain('Home Wi-Fi');
    const [updated] = await server.services.audit.recent({ type: 'help_link.updated', subjectId: links[0].id });
    expect(updated.data).toMatchObject({ before: { title: { en: 'Wi-Fi at home' } }, after: { title: { en: 'Home Wi-Fi' } } });

    // Delete, after a confirmation page; with none left, the config file's come back.
    for (const link of links) {
      page = await admin.get(`${server.url}/admin/help-links/${link.id}/delete`);
      expect(page.status).toBe(200);
      page = await submitForm(admin, `/admin/help-links/${link.id}/delete`, {});
      expect(page.url).toContain('done=deleted');
    }
    expect(await loginPage()).toContain('District FAQ');
    const [removed] = await server.services.audit.recent({ type: 'help_link.removed', subjectId: links[0].id });
    expect(removed.data).toMatchObject({ before: { title: { en: 'Home Wi-Fi' } }, after: null });
  });

  test('another process sharing the database picks the links up on its next refresh', async () => {
    const other = await startTestServer(engine, { database: server.database });
    try {
      await server.services.helpLinks.create({ title: { en: 'Shared link' }, url: '/help/wifi', roles: null, showOnLogin: true, position: 0 }, { id: 'x', ip: null });
      await other.services.helpLinks.refresh(); // what the 15-second refresh does on the next request
      expect((await new WebClient().get(`${other.url}/`)).html).toContain('Shared link');
    } finally {
      await other.close();
    }
  });
});
