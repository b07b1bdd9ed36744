/**
 * CloudFormation's intrinsic functions, resolved for the fixed account, region and stage of the deployed-environment
 * tests (DEPLOY): Ref, Fn::GetAtt, Fn::Sub, Fn::Join, Fn::Split, Fn::Select, Fn::If and conditions, AWS::NoValue.
 * What it does not know, it refuses rather than guesses.
 */

export const DEPLOY = { account: '123456789012', region: 'us-east-1', partition: 'aws', stage: 'dev' } as const;
export const SERVICE = 'ses-notification-bridge';
/** The stack name osls deploys: service-stage. */
export const STACK = `${SERVICE}-${DEPLOY.stage}`;

/** What Ref and Fn::GetAtt give for a resource of the template. */
export function attributes(logicalId: string, resource: any): Record<string, string> {
  const { account, region, partition } = DEPLOY;
  const props = resource.Properties ?? {};
  const fallbackName = `${STACK}-${logicalId}-ABCDEF012345`;
  switch (resource.Type) {
    case 'AWS::SNS::Topic': {
      const arn = `arn:${partition}:sns:${region}:${account}:${props.TopicName ?? fallbackName}`;
      return { Ref: arn, TopicArn: arn, TopicName: props.TopicName ?? fallbackName };
    }
    case 'AWS::SQS::Queue': {
      const name = props.QueueName ?? fallbackName;
      return {
        Ref: `https://sqs.${region}.amazonaws.com/${account}/${name}`,
        Arn: `arn:${partition}:sqs:${region}:${account}:${name}`,
        QueueName: name,
      };
    }
    case 'AWS::Lambda::Function': {
      const name = props.FunctionName ?? fallbackName;
      return { Ref: name, Arn: `arn:${partition}:lambda:${region}:${account}:function:${name}` };
    }
    case 'AWS::IAM::Role': {
      const name = props.RoleName ?? `${STACK}-${logicalId}`;
      return { Ref: name, Arn: `arn:${partition}:iam::${account}:role/${name}` };
    }
    case 'AWS::KMS::Key': {
      const id = '0a1b2c3d-4e5f-4a6b-8c7d-8e9f0a1b2c3d';
      return { Ref: id, Arn: `arn:${partition}:kms:${region}:${account}:key/${id}`, KeyId: id };
    }
    case 'AWS::DynamoDB::Table': {
      const name = props.TableName ?? fallbackName;
      return { Ref: name, Arn: `arn:${partition}:dynamodb:${region}:${account}:table/${name}` };
    }
    case 'AWS::Events::Rule':
      return { Ref: props.Name, Arn: `arn:${partition}:events:${region}:${account}:rule/${props.Name}` };
    case 'AWS::Logs::LogGroup':
      return {
        Ref: props.LogGroupName,
        Arn: `arn:${partition}:logs:${region}:${account}:log-group:${props.LogGroupName}:*`,
      };
    default:
      return { Ref: fallbackName };
  }
}

const NO_VALUE = Symbol('AWS::NoValue');

export class TemplateResolver {
  private readonly pseudo: Record<string, string>;
  constructor(readonly template: any) {
    this.pseudo = {
      'AWS::AccountId': DEPLOY.account,
      'AWS::Region': DEPLOY.region,
      'AWS::Partition': DEPLOY.partition,
      'AWS::URLSuffix': 'amazonaws.com',
      'AWS::StackName': STACK,
    };
  }

  /** True when the resource exists once deployed (its Condition, if any, holds). */
  exists(logicalId: string): boolean {
    const condition = this.template.Resources[logicalId]?.Condition;
    return condition === undefined || this.condition(condition);
  }

  condition(name: string): boolean {
    const definition = this.template.Conditions?.[name];
    if (definition === undefined) throw new Error(`template: no condition ${name}`);
    return Boolean(this.resolve(definition));
  }

  private ref(name: string): unknown {
    if (name === 'AWS::NoValue') return NO_VALUE;
    if (name in this.pseudo) return this.pseudo[name];
    const resource = this.template.Resources[name];
    if (resource === undefined) throw new Error(`template: Ref to unknown ${name}`);
    if (!this.exists(name)) throw new Error(`template: Ref to ${name}, which its condition leaves out`);
    return attributes(name, resource).Ref;
  }

  private getAtt(name: string, attribute: string): string {
    const resource = this.template.Resources[name];
    if (resource === undefined) throw new Error(`template: Fn::GetAtt of unknown ${name}`);
    const value = attributes(name, resource)[attribute];
    if (value === undefined) throw new Error(`template: no attribute ${attribute} of ${name} (${resource.Type})`);
    return value;
  }

  private sub(text: string, vars: Record<string, unknown> = {}): string {
    return text.replace(/\$\{(!?)([^}]+)\}/g, (whole, bang: string, name: string) => {
      if (bang) return `\${${name}}`;
      if (name in vars) return String(this.resolve(vars[name]));
      if (name.includes('.') && !name.startsWith('AWS::')) {
        const [id, attribute] = name.split('.') as [string, string];
        return this.getAtt(id, attribute);
      }
      const value = this.ref(name);
      if (typeof value !== 'string') throw new Error(`template: cannot substitute ${whole}`);
      return value;
    });
  }

  /** The value with every intrinsic function replaced by what CloudFormation computes. */
  resolve(value: any): any {
    if (Array.isArray(value)) return value.map((v) => this.resolve(v)).filter((v) => v !== NO_VALUE);
    if (value === null || typeof value !== 'object') return value;
    const keys = Object.keys(value);
    if (keys.length === 1) {
      const [fn] = keys as [string];
      const arg = value[fn];
      switch (fn) {
        case 'Ref':
          return this.ref(arg);
        case 'Fn::GetAtt':
          return this.getAtt(...((typeof arg === 'string' ? arg.split('.') : arg) as [string, string]));
        case 'Fn::Sub':
          return typeof arg === 'string' ? this.sub(arg) : this.sub(arg[0], arg[1]);
        case 'Fn::Join':
          return (this.resolve(arg[1]) as unknown[]).join(arg[0]);
        case 'Fn::Split':
          return String(this.resolve(arg[1])).split(arg[0]);
        case 'Fn::Select':
          return (this.resolve(arg[1]) as unknown[])[Number(this.resolve(arg[0]))];
        case 'Fn::If':
          return this.resolve(this.condition(arg[0]) ? arg[1] : arg[2]);
        case 'Fn::Equals':
          return this.resolve(arg[0]) === this.resolve(arg[1]);
        case 'Fn::Not':
          return !this.resolve(arg[0]);
        case 'Fn::And':
          return arg.every((c: unknown) => this.resolve(c));
        case 'Fn::Or':
          return arg.some((c: unknown) => this.resolve(c));
        case 'Condition':
          return this.condition(arg);
      }
      if (fn.startsWith('Fn::')) throw new Error(`template: ${fn} is not resolved by this test support`);
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const resolved = this.resolve(v);
      if (resolved !== NO_VALUE) out[k] = resolved;
    }
    return out;
  }

  /** Every resource that exists once deployed, resolved. */
  resources(): Record<string, any> {
    const out: Record<string, any> = {};
    for (const [id, resource] of Object.entries<any>(this.template.Resources))
      if (this.exists(id)) out[id] = this.resolve(resource);
    return out;
  }
}
