import type { Context } from 'koa';
import { ROLES } from '../../accounts/account.js';
import { BUILT_IN_QUESTIONS, type QuestionConfig } from '../../accounts/challenge-questions.js';
import { formBody } from '../../http/middleware/body.js';
import { seeOther } from '../../http/redirect.js';
import type { FieldError } from '../../shared/field-error.js';
import type { ConsoleKit } from '../console.js';
import { parsePolicyForm, policyFormValues, THROTTLE_FIELDS } from '../policy-form.js';

/** Policies: password rules, challenge questions, the claim delay, tickets, throttling, session length, deadline. */
export function policiesPage({ router, services, verifyCsrf, admin, render, actor, body }: ConsoleKit): void {
  async function policiesPage(ctx: Context, form: Record<string, string>, errors: FieldError[], status = 200) {
    const values = services.policies.snapshot();
    const custom = values['claim.questions'].filter((q): q is Exclude<QuestionConfig, string> => typeof q !== 'string');
    const inUse = await services.adminDirectory.questionsInUse(custom.map((q) => q.id));
    render(
      ctx,
      'policies',
      'policies',
      {
        form,
        errors,
        builtInQuestions: BUILT_IN_QUESTIONS,
        customQuestions: custom.map((q) => ({ ...q, inUse: inUse.has(q.id) })),
        throttles: THROTTLE_FIELDS.map(([key, field]) => ({ key, field })),
        hasClaimDelay: services.policies.hasClaimDelay(),
        maxPasswordLength: services.config.passwords.maxLength,
        roles: ROLES,
        rolesWithStudents: [...(await services.adminDirectory.rolesWithStudents())],
      },
      'admin.policies.title',
      status,
    );
  }

  router.get('/admin/policies', admin, async (ctx) => {
    await policiesPage(ctx, policyFormValues(services.policies.snapshot()), []);
  });

  router.post('/admin/policies', admin, formBody, verifyCsrf, async (ctx) => {
    await services.policies.refresh();
    const current = services.policies.snapshot();
    const custom = current['claim.questions'].filter((q): q is Exclude<QuestionConfig, string> => typeof q !== 'string');
    const form = body(ctx);
    const { values, errors } = parsePolicyForm(form, {
      current,
      hasClaimDelay: services.policies.hasClaimDelay(),
      questionsInUse: await services.adminDirectory.questionsInUse(custom.map((q) => q.id)),
      maxPasswordLength: services.config.passwords.maxLength,
      rolesWithStudents: await services.adminDirectory.rolesWithStudents(),
    });
    if (errors.length) return policiesPage(ctx, form, errors, 400);
    const changed = await services.policies.save(values, actor(ctx));
    seeOther(ctx, `/admin/policies?done=${changed.length ? 'saved' : 'unchanged'}`);
  });
}
