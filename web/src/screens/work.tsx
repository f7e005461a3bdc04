import type { Schemas } from '@funnel/client';
import { useState } from 'react';
import { Link } from 'react-router';
import { useConsole } from '../app.tsx';
import { api, ifMatch, ok } from '../session.ts';
import { Badge, Loading, Page, ProblemMessage, useAsync } from '../ui.tsx';
import { bestTime, fullName } from './contacts.tsx';

type Task = Schemas['Task'];
type Contact = Schemas['Contact'];

function endOfToday(): Date {
  const end = new Date();
  end.setHours(23, 59, 59, 999);
  return end;
}

/**
 * Today's work: the member's open tasks due by tonight (overdue first), each with its call
 * questions, and for tasks about a contact their phone and best time to call.
 */
export function Today() {
  const { me, fmt } = useConsole();
  const [round, setRound] = useState(0);
  const tasks = useAsync(async () => {
    const page = await ok(
      api.GET('/v1/tasks', {
        params: {
          query: { assigneeId: me.id, status: 'open', dueTo: endOfToday().toISOString(), limit: 100 },
        },
      }),
    );
    const contactIds = [
      ...new Set(page.items.flatMap((t) => t.links.filter((l) => l.type === 'contact').map((l) => l.id))),
    ];
    const contacts = await Promise.all(
      contactIds.map((id) =>
        ok(api.GET('/v1/contacts/{id}', { params: { path: { id } } })).catch(() => undefined),
      ),
    );
    const byId = new Map(contacts.filter((c): c is Contact => Boolean(c)).map((c) => [c.id, c]));
    return { items: page.items, contacts: byId, more: Boolean(page.nextCursor) };
  }, [me.id, round]);
  const [error, setError] = useState<unknown>();

  const complete = async (task: Task) => {
    setError(undefined);
    try {
      await ok(
        api.PATCH('/v1/tasks/{id}', {
          params: { path: { id: task.id }, header: ifMatch(task.version) },
          body: { status: 'done' },
        }),
      );
      setRound((r) => r + 1);
    } catch (caught) {
      setError(caught);
    }
  };

  return (
    <Page title="Today">
      <ProblemMessage error={error} />
      {tasks.loading && !tasks.data ? (
        <Loading />
      ) : tasks.error ? (
        <ProblemMessage error={tasks.error} />
      ) : tasks.data?.items.length === 0 ? (
        <p className="empty">Nothing due today. Well done.</p>
      ) : (
        <ul className="cards" aria-label="Tasks due today">
          {tasks.data?.items.map((task) => {
            const contactId = task.links.find((l) => l.type === 'contact')?.id;
            const contact = contactId ? tasks.data?.contacts.get(contactId) : undefined;
            const overdue = task.dueAt && Date.parse(task.dueAt) < Date.now();
            return (
              <li key={task.id} className="card task">
                <header className="card-header">
                  <h2>{task.title}</h2>
                  <span>
                    {overdue ? <Badge tone="bad">Overdue</Badge> : null} <Badge>{task.priority}</Badge>
                  </span>
                </header>
                <p className="muted">Due {fmt.dateTime(task.dueAt)}</p>
                {task.description ? <p>{task.description}</p> : null}
                {contact ? (
                  <p>
                    <Link to={`/contacts/${contact.id}`}>{fullName(contact)}</Link>
                    {contact.phones[0] ? (
                      <>
                        {' · '}
                        <a href={`tel:${contact.phones[0].number}`}>{contact.phones[0].number}</a>
                      </>
                    ) : null}
                    {bestTime(contact) ? (
                      <span className="muted"> · best time {bestTime(contact)}</span>
                    ) : null}
                  </p>
                ) : null}
                {task.checklist.length ? (
                  <>
                    <h3>Questions for the call</h3>
                    <ol className="checklist">
                      {task.checklist.map((item) => (
                        <li key={item.id}>{item.text}</li>
                      ))}
                    </ol>
                  </>
                ) : null}
                <div className="buttons">
                  <button type="button" onClick={() => void complete(task)}>
                    Mark done
                  </button>
                </div>
              </li>
            );
          })}
        </ul>
      )}
      {tasks.data?.more ? <p className="muted">More tasks are due today than shown here.</p> : null}
    </Page>
  );
}

function mondayOf(date: Date): Date {
  const day = new Date(date);
  day.setHours(0, 0, 0, 0);
  day.setDate(day.getDate() - ((day.getDay() + 6) % 7));
  return day;
}

/** The member's week: meetings, calls and tasks due, day by day. */
export function WeekCalendar() {
  const { me, fmt } = useConsole();
  const [start, setStart] = useState(() => mondayOf(new Date()));
  const end = new Date(start);
  end.setDate(end.getDate() + 7);
  const calendar = useAsync(
    () =>
      ok(
        api.GET('/v1/calendar', {
          params: { query: { from: start.toISOString(), to: end.toISOString(), owner: me.id } },
        }),
      ),
    [start.getTime(), me.id],
  );
  // Eight local midnights: each day runs to the next one, 23 or 25 hours on a daylight-saving day.
  const midnights = Array.from({ length: 8 }, (_, i) => {
    const day = new Date(start);
    day.setDate(day.getDate() + i);
    return day;
  });
  const days = midnights.slice(0, 7);
  const move = (weeks: number) => {
    const next = new Date(start);
    next.setDate(next.getDate() + weeks * 7);
    setStart(next);
  };
  const dayLabel = new Intl.DateTimeFormat(fmt.locale, { weekday: 'long', day: 'numeric', month: 'short' });
  return (
    <Page
      title="Calendar"
      actions={
        <>
          <button type="button" className="secondary" onClick={() => move(-1)}>
            Previous week
          </button>
          <button type="button" className="secondary" onClick={() => setStart(mondayOf(new Date()))}>
            This week
          </button>
          <button type="button" className="secondary" onClick={() => move(1)}>
            Next week
          </button>
        </>
      }
    >
      {calendar.loading && !calendar.data ? <Loading /> : null}
      <ProblemMessage error={calendar.error} />
      <div className="week">
        {days.map((day, i) => {
          const items = (calendar.data?.items ?? []).filter((item) => {
            const at = new Date(item.start);
            return at >= day && at < midnights[i + 1]!;
          });
          return (
            <section key={day.toISOString()} className="day" aria-label={dayLabel.format(day)}>
              <h2>{dayLabel.format(day)}</h2>
              {items.length === 0 ? (
                <p className="muted">Free</p>
              ) : (
                <ul>
                  {items.map((item) => (
                    <li key={`${item.kind}-${item.id}`} className={`event ${item.kind}`}>
                      <span className="time">{fmt.time(item.start)}</span> {item.title}
                      <span className="visually-hidden"> ({item.kind})</span>
                    </li>
                  ))}
                </ul>
              )}
            </section>
          );
        })}
      </div>
      {calendar.data?.truncated ? <p className="muted">Some items of this week are not shown.</p> : null}
    </Page>
  );
}
