/** Sent when the agent registers, so operators can see which hosts run which agent. */
export const AGENT_VERSION = '0.1.0';
