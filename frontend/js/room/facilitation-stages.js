// The forum's stages, in order, and how the room names them.
export const STAGES = ['gather', 'hypothesis', 'prioritise', 'plan', 'agree', 'locked']
const STAGE_NAMES = { gather: 'Gather', hypothesis: 'Hypothesis', prioritise: 'Prioritise', plan: 'Plan', agree: 'Agree', locked: 'Locked' }

export const stageName = stage => STAGE_NAMES[stage] || stage
export const stageLabel = stage => `Stage ${STAGES.indexOf(stage) + 1} of ${STAGES.length}: ${stageName(stage)}`
