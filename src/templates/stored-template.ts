/** A template as ases keeps it: a Mustache subject, and an html or text body or both. */
export interface StoredTemplate {
  /** 1-64 of `A-Z a-z 0-9 _ . -`, case-sensitive. */
  name: string;
  subject: string;
  html?: string;
  text?: string;
  /** When it was last put (ISO 8601). */
  updatedAt: string;
}

/** Outcome of `TemplateService.put`: the stored template, and whether this call created it. */
export interface PutTemplateResult {
  created: boolean;
  template: StoredTemplate;
}

/** A template in a listing: its name and when it was last put. */
export interface TemplateSummary {
  name: string;
  updatedAt: string;
}

/** One page of `TemplateService.list`, in name order. */
export interface TemplatePage {
  items: TemplateSummary[];
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}
