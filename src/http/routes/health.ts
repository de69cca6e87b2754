import type { FastifyInstance } from 'fastify';

export async function healthRoutes(app: FastifyInstance, opts: { controlPlane?: boolean }) {
  // A tester can see from the main port that the control plane is listening (never which port).
  const body = opts.controlPlane ? { status: 'ok', control_plane: 'on' } : { status: 'ok' };
  app.get('/health', async () => body);
}
