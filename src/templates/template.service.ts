import { Injectable } from '@nestjs/common';
import { AsesErrorCode, AsesException } from '../core/ases.exception';
import { checkDto, describeProblems } from '../core/request-validation';
import { PutTemplateDto } from './dto/put-template.dto';
import { PutTemplateResult, StoredTemplate, TemplatePage } from './stored-template';
import { templateNameProblem } from './template-name';
import { TemplateParts, renderTemplate } from './template-render';
import { TemplateRepository } from './template.repository';

/** Default page size of {@link TemplateService.list}. */
export const DEFAULT_TEMPLATE_PAGE = 1000;
/** Largest page size of {@link TemplateService.list}. */
export const MAX_TEMPLATE_PAGE = 1000;

/**
 * Stored templates: a subject and an html or text body (or both), each a Mustache template, kept
 * under a name and rendered for a message with the values it brings (see `renderTemplate` for the
 * rules). Every method taking a name throws INVALID_REQUEST naming `name` for one that cannot
 * exist (1-64 of `A-Z a-z 0-9 _ . -`, not only dots); `render`, called for a message, names
 * `template.name` instead and throws INVALID_MESSAGE.
 */
@Injectable()
export class TemplateService {
  constructor(private readonly repository: TemplateRepository) {}

  /** The template named `name`, or null. */
  async find(name: string): Promise<StoredTemplate | null> {
    return await this.repository.find(checkedName(name));
  }

  /** The template named `name`; TEMPLATE_NOT_FOUND when there is none. */
  async get(name: string): Promise<StoredTemplate> {
    const template = await this.find(name);
    if (!template) {
      throw templateNotFound(name);
    }
    return template;
  }

  /**
   * Stores a template under `name` (`{ subject, html?, text? }`, checked as `PutTemplateDto`:
   * unknown fields, sizes, control characters in the subject and Mustache syntax errors are
   * INVALID_REQUEST naming the field), replacing any of that name whole.
   */
  async put(name: string, input: unknown): Promise<PutTemplateResult> {
    const key = checkedName(name);
    const check = checkDto(PutTemplateDto, input, 'template');
    if (!check.ok) {
      throw new AsesException(
        AsesErrorCode.INVALID_REQUEST,
        `invalid template: ${describeProblems(check.problems)}`,
        { errors: check.problems },
      );
    }
    const { subject, html, text } = check.value;
    const template: StoredTemplate = {
      name: key,
      subject,
      ...(html === undefined ? {} : { html }),
      ...(text === undefined ? {} : { text }),
      updatedAt: new Date().toISOString(),
    };
    const created = await this.repository.put(template);
    return { created, template };
  }

  /** Removes the template named `name`; returns whether there was one. */
  async remove(name: string): Promise<boolean> {
    return await this.repository.remove(checkedName(name));
  }

  /**
   * One page of the templates' names and update times, in name order (byte order: `B` before
   * `a`). `cursor` is the `nextCursor` of the previous page (absent or empty: the first page);
   * `limit` is 1..1000, default 1000. INVALID_REQUEST for a bad cursor or limit.
   */
  async list(cursor?: string, limit = DEFAULT_TEMPLATE_PAGE): Promise<TemplatePage> {
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_TEMPLATE_PAGE) {
      throw invalidRequest('limit', `limit must be an integer from 1 to ${MAX_TEMPLATE_PAGE}`);
    }
    let after: string | null = null;
    if (cursor !== undefined && cursor !== '') {
      // The cursor is the last name of the previous page: names are already URL-safe.
      if (templateNameProblem(cursor) !== null) {
        throw invalidRequest('cursor', 'cursor must be a nextCursor returned by this endpoint');
      }
      after = cursor;
    }
    const page = await this.repository.page(after, limit);
    return { items: page.items, nextCursor: page.lastName };
  }

  /**
   * The subject and bodies of template `name` rendered with `data` (see `renderTemplate`: html
   * escapes, subject and text do not; every variable must have a value). Throws INVALID_MESSAGE
   * naming `template.data` for each problem (`missing value for "firstName" used in subject`), or
   * `template.name` for a malformed name, and TEMPLATE_NOT_FOUND when there is no such template.
   */
  async render(name: string, data: Record<string, unknown>): Promise<TemplateParts> {
    const nameProblem = templateNameProblem(name);
    if (nameProblem !== null) {
      throw invalidMessage('template.name', [`template.name ${nameProblem}`]);
    }
    if (typeof data !== 'object' || data === null || Array.isArray(data)) {
      throw invalidMessage('template.data', [
        'template.data must be an object of values, such as { "firstName": "Ann" }',
      ]);
    }
    const template = await this.repository.find(name);
    if (!template) {
      throw templateNotFound(name);
    }
    const result = renderTemplate(template, data);
    if (!result.ok) {
      throw invalidMessage('template.data', result.problems);
    }
    return result.rendered;
  }
}

function checkedName(name: string): string {
  const problem = templateNameProblem(name);
  if (problem !== null) {
    throw invalidRequest('name', `name ${problem}`);
  }
  return name;
}

/** The TEMPLATE_NOT_FOUND error for `name` (404 on the template routes). */
export function templateNotFound(name: string): AsesException {
  return new AsesException(
    AsesErrorCode.TEMPLATE_NOT_FOUND,
    `there is no template named "${name}": store it first with PUT /v1/templates/${name}`,
    { template: name },
  );
}

function invalidRequest(field: string, problem: string): AsesException {
  return new AsesException(AsesErrorCode.INVALID_REQUEST, problem, {
    errors: [{ field, problems: [problem] }],
  });
}

function invalidMessage(field: string, problems: string[]): AsesException {
  return new AsesException(
    AsesErrorCode.INVALID_MESSAGE,
    `invalid ${field}: ${problems.join('; ')}`,
    {
      errors: [{ field, problems }],
    },
  );
}
