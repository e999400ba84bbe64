/** A form field's problem: the field name, a message id under the page's errors, and its parameters. */
export interface FieldError {
  field: string;
  message: string;
  params?: Record<string, string | number>;
}
