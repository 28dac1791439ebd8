// The process helpers live with the reliability tests, which spawn providers too.
export * from '../../provider/src/reliability/processes.ts';
