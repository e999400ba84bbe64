declare module 'ejs' {
  interface Options {
    filename?: string;
    cache?: boolean;
    async?: boolean;
    views?: string[];
    rmWhitespace?: boolean;
  }
  type TemplateFunction = (data: Record<string, unknown>) => string;
  const ejs: {
    compile(template: string, options?: Options): TemplateFunction;
    clearCache(): void;
  };
  export default ejs;
}
