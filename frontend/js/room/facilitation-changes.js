// What changed between two facilitation states, in words for the polite live
// region ("Health recorded its stance: agree with concerns"). Each change names
// the event family that causes it, so the room can skip the user's own changes.
import { stageLabel } from './facilitation-stages.js'
import { formatDate, personName, textStart } from './facilitation-dom.js'

const STANCES = { agree: 'agree', agree_with_concerns: 'agree with concerns', object: 'object' }
const ANSWERS = { yes: 'yes', no: 'no', partly: 'partly' }
const count = (n, one, many) => `${n} ${n === 1 ? one : many}`

export function describeChanges (before, after, facilitation) {
  const changes = []
  const say = (family, text) => changes.push({ family, text })

  if (before.stage !== after.stage && after.stage !== 'locked') say('stage', `The room moved to ${stageLabel(after.stage)}`)
  if ((before.chair && before.chair.user) !== (after.chair && after.chair.user) && after.chair) say('chair', `${after.chair.name} is now the chair`)

  if (before.timer.running !== after.timer.running) say('timer', after.timer.running ? 'The stage timer started' : 'The stage timer paused')
  else if (!after.timer.running && after.timer.elapsed === 0 && before.timer.elapsed > 0 && before.stage === after.stage) say('timer', 'The stage timer was reset')

  const votes = state => state.votes.tallies.reduce((sum, t) => sum + t.votes, 0)
  if (JSON.stringify(before.votes.tallies) !== JSON.stringify(after.votes.tallies)) {
    const top = after.votes.tallies.slice().sort((a, b) => b.votes - a.votes)[0]
    const lead = top ? `; most votes: ${textStart(facilitation.entryText(top.entry), 40)} (${top.votes})` : ''
    say('vote', `Votes changed: ${count(votes(after), 'vote', 'votes')} cast${lead}`)
  }
  if (before.priorities_confirmed_at !== after.priorities_confirmed_at && after.priorities_confirmed_at) {
    say('priorities', `The chair confirmed ${count(after.priorities.length, 'priority', 'priorities')}`)
  }

  if (after.goals.length > before.goals.length) say('goal', 'A goal was added to the plan')
  if (after.goals.length < before.goals.length) say('goal', 'A goal was removed from the plan')
  if (after.actions.length > before.actions.length) say('action', 'An action was added to the plan')
  if (after.actions.length < before.actions.length) say('action', 'An action was removed from the plan')
  const fields = a => JSON.stringify([a.owner && a.owner.user, a.due, a.goal, a.priority])
  after.actions.forEach((action, index) => {
    const old = before.actions.find(a => a.id === action.id)
    if (old && fields(old) !== fields(action)) say('action', `Action ${index + 1} was updated`)
  })
  if (before.review_date !== after.review_date) {
    say('review', after.review_date ? `Review date set to ${formatDate(after.review_date)}` : 'The review date was cleared')
  }

  const lead = state => state.lead_worker
  const nominee = state => lead(state).nominee && lead(state).nominee.user
  if (nominee(before) !== nominee(after)) {
    say('lead', lead(after).nominee ? `${personName(lead(after).nominee)} was nominated as lead worker` : 'The lead worker nomination was withdrawn')
  } else if (!lead(before).accepted_at && lead(after).accepted_at) {
    say('lead', `${lead(after).nominee.name} accepted being lead worker`)
  } else if (lead(before).nominated_at !== lead(after).nominated_at && lead(after).nominee && !lead(after).accepted_at && before.stage === after.stage) {
    say('lead', `${lead(after).nominee.name} was nominated again as lead worker`)
  }

  for (const stance of after.stances) {
    const old = before.stances.find(s => s.agency_id === stance.agency_id)
    if (stance.stance && (!old || old.stance !== stance.stance || old.reason !== stance.reason)) {
      say('stance', `${stance.agency} recorded its stance: ${STANCES[stance.stance]}`)
    }
  }
  for (const principle of after.principles) {
    const old = before.principles.find(p => p.key === principle.key)
    if (principle.answer && (!old || old.answer !== principle.answer || old.note !== principle.note)) {
      say('principles', `The chair recorded "${ANSWERS[principle.answer]}" for: ${principle.question}`)
    }
  }

  if (after.versions.length > before.versions.length) {
    const number = Math.max(...after.versions.map(v => v.number))
    say('lock', `The plan was locked as version ${number}`)
  }
  if (before.stage === 'locked' && after.stage !== 'locked') say('reopen', 'The forum was reopened for review')
  return after.by ? changes.map(change => withActor(change, after.by)) : changes
}

// Changes whose words do not already name who made them say so: on a shared screen and in a
// screen reader, "The room moved to Plan (by Ada Chair)".
const NAMED_BY_THE_SERVER = new Set(['stage', 'timer', 'priorities', 'goal', 'action', 'review', 'lock', 'reopen'])

function withActor (change, by) {
  return NAMED_BY_THE_SERVER.has(change.family) ? { ...change, text: `${change.text} (by ${by.name})` } : change
}
