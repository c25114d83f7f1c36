/** The `bootwatch ec2` commands; the AWS SDK is loaded only when one of them runs. */
import type { Command } from 'commander';
import type { CleanupOpts, RunOpts } from './ec2-command.ts';

/** Registers `bootwatch ec2 ...`. */
export function registerEc2Commands(program: Command): void {
  const ec2 = program
    .command('ec2')
    .description('boot variants on real EC2 instances (AWS credentials from the SDK default chain)');
  const runOptions = (c: Command) =>
    c
      .argument('<matrix>', 'matrix YAML file; variants with target: ec2 (or --only)')
      .option('--only <variants>', 'comma-separated variant names')
      .option('--region <region>', 'AWS region (guard rail: must match the matrix when both say)')
      .option('--instance-type <type>', 'instance type (guard rail: ec2.allowedInstanceTypes)')
      .option('--subnet <id>', 'subnet id')
      .option('--security-group <ids>', 'comma-separated security group ids')
      .option('--max-instances <n>', 'bootwatch instances alive at once in the region', (v) => Number(v))
      .option('--max-minutes <n>', 'minutes from RunInstances to forced termination', (v) => Number(v))
      .option('--upload <how>', 'ebs (EBS direct APIs) or s3 (multipart + ImportSnapshot)')
      .option('--bucket <name>', 'S3 bucket for --upload s3')
      .option('-j, --jobs <n>', 'make -j for the kernel build', (v) => Number(v));
  runOptions(ec2.command('run'))
    .description(
      'build, rehearse under QEMU + OVMF + NVMe, then boot on EC2 and clean up; stream both boots to the collector',
    )
    .option('--collector <url>', 'collector base URL (default: the embedded database, in-process)')
    .option('--no-rehearse', 'skip the QEMU rehearsal')
    .option('--rehearse-only', 'build and rehearse, do not go to EC2')
    .option('--force', 'go to EC2 even when the rehearsal did not boot')
    .option('--dry-run', 'print the AWS calls instead of making them')
    .option('--json', 'print the results as JSON')
    .action(async (file: string, o: RunOpts) => {
      const { ec2Run } = await import('./ec2-command.ts');
      process.exitCode = await ec2Run(file, o);
    });
  runOptions(ec2.command('image'))
    .description('build the EFI disk image of prebuilt-kernel variants and print its path and sha256')
    .action(async (file: string, o: RunOpts) => {
      const { ec2Image } = await import('./ec2-command.ts');
      process.exitCode = await ec2Image(file, o);
    });
  ec2
    .command('cleanup')
    .description("find what bootwatch runs left on AWS (by tag, and this host's ledgers) and delete it")
    .option('--region <region>', 'AWS region (default AWS_REGION)')
    .option('--run <id>', 'only this run')
    .option('--all', 'also runs still going on this host')
    .option('--bucket <name>', 'also look for objects and multipart uploads in this S3 bucket')
    .option('--prefix <prefix>', 'key prefix in the bucket (default bootwatch/)')
    .option('--list', 'list only, delete nothing')
    .option('--dry-run', 'print the AWS calls instead of making them')
    .option('--json', 'print what was found and deleted as JSON')
    .action(async (o: CleanupOpts) => {
      const { ec2Cleanup } = await import('./ec2-command.ts');
      process.exitCode = await ec2Cleanup(o);
    });
}
