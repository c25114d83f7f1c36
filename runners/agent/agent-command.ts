/** `bootwatch agent`: placeholder until the job queue lands. */
export async function agentCommand(_opts: {
  collector?: string;
  database?: string;
  name?: string;
  once?: boolean;
}): Promise<number> {
  process.stderr.write('bootwatch agent: not implemented yet\n');
  return 1;
}
