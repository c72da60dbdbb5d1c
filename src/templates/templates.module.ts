import { Module } from '@nestjs/common';
import { ApiKeyGuard } from '../core/api-key.guard';
import { TemplateRepository } from './template.repository';
import { TemplateService } from './template.service';

/**
 * Stored templates in Redis, `/v1/templates`, and `TemplateService.render` for the mailer.
 *
 * Rendered with mustache.js: logic-less, so a template stored through the API can look values up
 * and loop over lists but never run code (unlike Handlebars helpers or EJS), and it has no
 * dependencies. It escapes HTML by default where that matters (html) and lets each render choose
 * its escaping, so subject and text stay unescaped. Its lookup is lenient (a missing value renders
 * as nothing); `renderTemplate` makes it strict instead.
 */
@Module({
  providers: [TemplateRepository, TemplateService, ApiKeyGuard],
  exports: [TemplateService],
})
export class TemplatesModule {}
