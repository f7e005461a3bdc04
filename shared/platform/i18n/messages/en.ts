/**
 * English: the reference catalog. Every key here must exist in every other language, with the same
 * arguments. Messages are ICU MessageFormat (plural, select, `#`); apostrophes are typographic (’),
 * since a straight one before a brace would start a quoted literal. Amounts, dates and numbers
 * arrive already formatted for the reader's locale, as strings.
 */
export const en = {
  // Error pages (any page route that fails).
  'error.badRequest.title': 'This request could not be handled',
  'error.badRequest.body':
    'Something in it is not as this page expects. Go back, check what you entered and try again.',
  'error.unauthorized.title': 'Please sign in',
  'error.unauthorized.body':
    'This page is only for people with access to the CRM. Open it from the CRM with your key.',
  'error.forbidden.title': 'You may not see this page',
  'error.forbidden.body': 'Your role does not give access to it. Ask an administrator if you need it.',
  'error.notFound.title': 'This page does not exist',
  'error.notFound.body': 'The address may be mistyped, or what it pointed to has been removed.',
  'error.conflict.title': 'This was changed meanwhile',
  'error.conflict.body': 'Someone or something changed it at the same time. Reload the page and try again.',
  'error.busy.title': 'Too many requests',
  'error.busy.body': 'Please wait a moment and try again.',
  'error.internal.title': 'Something went wrong on our side',
  'error.internal.body': 'Nothing you did caused this. Please try again in a few minutes.',
  'error.reference': 'Reference for support: {requestId}',

  // Signed links (surveys, unsubscribe, preferences, self-service).
  'link.invalid.title': 'This link does not work',
  'link.invalid.body': 'Check that you opened the whole link from your email.',
  'link.revoked.title': 'This link no longer works',
  'link.revoked.body':
    '{company} has replaced the links in its emails. Use the link in a more recent email, or write to {company}.',

  // Sign-up verification (from the service to the tenant's first admin).
  'verification.email.subject': 'Confirm your email address for {company}',
  'verification.email.body':
    'Hello {admin},\n\nConfirm that {email} is yours to start sending email from {company} on Funnel CRM:\n\n{url}\n\nThe link works for {hours} hours. If you did not sign up, ignore this message: nothing is sent in your name until the link is followed.',
  'verification.form.title': 'Confirm your email address',
  'verification.form.body': 'Confirm that {email} is yours, to send email as {company}.',
  'verification.form.button': 'Confirm my email address',
  'verification.done.title': 'Thank you',
  'verification.done.body': '{email} is confirmed. {company} can now send email and add members.',
  'verification.expired.title': 'This link has expired',
  'verification.expired.body':
    'Sign in with your API key and ask for a new one (POST /v1/tenant/verification).',
  'verification.changed.title': 'This link no longer works',
  'verification.changed.body': 'The address it was sent to changed; ask for a new link.',
  // The survey form.
  'survey.expired.title': 'This survey link has expired',
  'survey.expired.body': 'Thank you for your interest. The time to answer this survey is over.',
  'survey.removed.title': 'This survey is no longer available',
  'survey.removed.body': 'The survey this link pointed to has been removed.',
  'survey.closed.title': 'This survey is closed',
  'survey.closed.body': 'It no longer accepts answers. Thank you all the same.',
  'survey.answered.title': 'You have already answered',
  'survey.answered.body': 'Each invitation is answered once. Thank you!',
  'survey.answered.bodyOn':
    'We received your answers on {date}. Each invitation is answered once. Thank you!',
  'survey.thanks.title': 'Thank you!',
  'survey.thanks.body': '{company} has received your answers. You can close this page.',
  'survey.form.check': '{count, plural, one {Please check one answer} other {Please check # answers}}',
  'survey.form.stray':
    '{count, plural, one {This survey has no question {ids}; that answer was ignored.} other {This survey has no questions {ids}; those answers were ignored.}}',
  'survey.form.required': '(required)',
  'survey.form.optional': '(optional)',
  'survey.form.submit': 'Send my answers',
  'survey.scale.nps.low': 'Not at all likely',
  'survey.scale.nps.high': 'Extremely likely',
  'survey.scale.csat.1': 'Very dissatisfied',
  'survey.scale.csat.2': 'Dissatisfied',
  'survey.scale.csat.3': 'Neutral',
  'survey.scale.csat.4': 'Satisfied',
  'survey.scale.csat.5': 'Very satisfied',
  'survey.scale.rating.low': 'Poor',
  'survey.scale.rating.high': 'Excellent',
  'survey.answer.unknown': 'This survey has no such question.',
  'survey.answer.required': 'This question needs an answer.',
  'survey.answer.scale': 'Choose a whole number from {min} to {max}.',
  'survey.answer.oneOf': 'Choose one of: {choices}.',
  'survey.answer.among': 'Choose among: {choices}.',
  'survey.answer.text': 'Write your answer as text.',
  'survey.answer.tooLong': 'Keep your answer to {max} characters (it has {length}).',
  'survey.paper.scaleEnds': '{min} = {low}, {max} = {high}',
  'survey.paper.tickOne': 'Tick one.',
  'survey.paper.tickAll': 'Tick all that apply.',
  'survey.paper.returnTo': 'Please return this page to {address}. Your code:',
  'survey.paper.codeNote':
    'The code lets us record your answers once, with your name. Valid until the survey closes.',
  'survey.invitation.greeting': 'Hello {firstName},',
  'survey.invitation.greetingNobody': 'Hello,',
  'survey.invitation.ask':
    '{company} would like to know how we are doing for you. The survey takes about two minutes.',
  'survey.invitation.button': 'Answer the survey',
  'survey.invitation.validUntil': 'This link is yours alone and works until {expiresOn}.',
  'survey.invitation.thanks': 'Thank you,',

  // Self-service: a contact corrects their own details.
  'selfService.title': 'Your details at {company}',
  'selfService.intro': 'Correct anything that is wrong and save. Leave a field empty to remove it.',
  'selfService.check': '{count, plural, one {Please check one field} other {Please check # fields}}',
  'selfService.field.firstName': 'First name',
  'selfService.field.lastName': 'Last name',
  'selfService.field.email': 'Email',
  'selfService.field.phone': 'Phone',
  'selfService.field.line1': 'Street',
  'selfService.field.line2': 'More address',
  'selfService.field.postalCode': 'Postal code',
  'selfService.field.city': 'City',
  'selfService.field.region': 'Region or state',
  'selfService.field.country': 'Country code (e.g. FR, US)',
  'selfService.field.locale': 'Language of our emails',
  'selfService.field.form': 'Your details',
  'selfService.addressLegend': 'Postal address',
  'selfService.consent.legend': 'News and offers by email',
  'selfService.consent.yes': 'Yes, send me news and offers',
  'selfService.consent.no': 'No, thank you',
  'selfService.locale.default': 'As {company} chooses',
  'selfService.save': 'Save my details',
  'selfService.invalid.required': 'This cannot be empty.',
  'selfService.invalid.email': 'Enter an email address such as name@example.com.',
  'selfService.invalid.phone':
    'Enter a phone number, with its country code if it is abroad (such as +44 20 7946 0000).',
  'selfService.invalid.country': 'Enter a two-letter country code such as FR.',
  'selfService.invalid.tooLong': 'This is too long; shorten it.',
  'selfService.invalid.generic': 'Check this field.',
  'selfService.error.emailTaken': 'This email address is already used by someone else in our records.',
  'selfService.error.other': 'Your details could not be saved as they are; please check them.',
  'selfService.mail.subject': 'Your details at {company}',
  'selfService.mail.body':
    'Hello {name},\n\nYou can check and correct the details {company} holds about you, and choose which emails you receive, here:\n\n{url}\n\nThe link works for {days} days. If you did not ask for it, you can ignore this email.',
  'selfService.thanks.title': 'Thank you',
  'selfService.thanks.body': '{company} has your details as you gave them. You can close this page.',
  'selfService.expired.title': 'This link has expired',
  'selfService.expired.body': 'For your privacy, these links work for a week. Ask {company} for a new one.',
  'selfService.gone.title': 'This link no longer works',
  'selfService.gone.body': 'The details it pointed to are no longer held.',

  // Unsubscribe and preferences.
  'unsubscribe.confirm.titleTopic': 'Unsubscribe from “{topic}” emails',
  'unsubscribe.confirm.titleAll': 'Unsubscribe from marketing email',
  'unsubscribe.confirm.questionTopic': 'Stop receiving “{topic}” emails from {company}?',
  'unsubscribe.confirm.questionAll': 'Stop receiving marketing email from {company}?',
  'unsubscribe.confirm.button': 'Unsubscribe',
  'unsubscribe.done.title': 'You are unsubscribed',
  'unsubscribe.done.bodyTopic': 'You will receive no more “{topic}” emails from {company}.',
  'unsubscribe.done.bodyAll': 'You will receive no more marketing email from {company}.',
  'unsubscribe.done.choose': 'Choose what you receive',
  'preferences.title': 'Your email preferences',
  'preferences.saved': 'Your choices are saved.',
  'preferences.intro': 'Choose the emails {company} sends you at {email}.',
  'preferences.introNoEmail': 'Choose the emails {company} sends you.',
  'preferences.want': 'I want to receive',
  'preferences.nothing': 'There is nothing to choose from yet.',
  'preferences.or': 'Or',
  'preferences.stopAll': 'No marketing email at all',
  'preferences.save': 'Save my choices',
  'preferences.gone.body': 'We no longer hold your details.',

  // The footer of marketing email.
  'mail.footer.whyTopic': 'You receive “{topic}” from {company}.',
  'mail.footer.why': 'You receive this email from {company}.',
  'mail.footer.unsubscribe': 'Unsubscribe',
  'mail.footer.choose': 'Choose what you receive',
  'mail.footer.unsubscribeAt': 'Unsubscribe: {url}',
  'mail.footer.chooseAt': 'Choose what you receive: {url}',

  // The printable invoice.
  'invoice.print.title': 'Invoice {number}',
  'invoice.print.draftTitle': 'Draft invoice',
  'invoice.print.stamp.draft': 'Draft',
  'invoice.print.stamp.paid': 'Paid',
  'invoice.print.stamp.void': 'Void',
  'invoice.print.issued': 'Issued {date}',
  'invoice.print.due': 'Due {date}',
  'invoice.print.terms': 'Payment terms: {days, plural, one {# day} other {# days}}',
  'invoice.print.from': 'From',
  'invoice.print.billTo': 'Bill to',
  'invoice.print.lines': 'Invoice lines',
  'invoice.print.description': 'Description',
  'invoice.print.quantity': 'Quantity',
  'invoice.print.unitPrice': 'Unit price',
  'invoice.print.tax': 'Tax',
  'invoice.print.amount': 'Amount',
  'invoice.print.subtotal': 'Subtotal',
  'invoice.print.total': 'Total',
  'invoice.print.paid': 'Paid',
  'invoice.print.amountDue': 'Amount due',
  'invoice.print.howToPay': 'How to pay',
  'invoice.print.notes': 'Notes',

  // Dunning: the default policy's texts (arguments are merge fields, see shared/invoicing/policy.ts).
  'dunning.template.greeting': 'Hello {firstName},',
  'dunning.template.nobody': 'there',
  'dunning.template.howToPay': 'How to pay: {paymentInstructions}',
  'dunning.template.signature': 'If you have already paid, thank you, and please disregard this message.',
  'dunning.template.paymentInstructions':
    'Bank transfer, quoting invoice {number} as the reference. For other ways to pay, write to {email}.',
  'dunning.courtesy.name': 'Courtesy reminder',
  'dunning.courtesy.subject': 'Invoice {number} is due on {dueDate}',
  'dunning.courtesy.body': 'A friendly reminder that invoice {number} for {amountDue} is due on {dueDate}.',
  'dunning.firstReminder.name': 'First reminder',
  'dunning.firstReminder.subject': 'Invoice {number} is overdue',
  'dunning.firstReminder.body':
    'Invoice {number} for {amountDue} was due on {dueDate} and is now overdue by {overdueBy}. Please arrange payment at your earliest convenience.',
  'dunning.firstReminder.more':
    'If something about this invoice is wrong, reply to this email and we will sort it out.',
  'dunning.secondReminder.name': 'Second reminder',
  'dunning.secondReminder.subject': 'Second reminder: invoice {number} is {overdueBy} overdue',
  'dunning.secondReminder.body':
    'We have not yet received payment of {amountDue} for invoice {number}, due on {dueDate}: it is now overdue by {overdueBy}.',
  'dunning.finalNotice.name': 'Final notice',
  'dunning.finalNotice.subject': 'Final notice: invoice {number} ({amountDue})',
  'dunning.finalNotice.body':
    'Invoice {number} for {amountDue} is overdue by {overdueBy} despite our reminders. Unless we receive payment within 7 days, we will escalate the matter.',
  'dunning.escalation.name': 'Escalation',
  'dunning.escalation.subject': 'Invoice {number} has been escalated',
  'dunning.escalation.body':
    'Invoice {number} for {amountDue} is overdue by {overdueBy}, and we have passed it to our finance team for collection. Please pay now, or reply to this email to discuss it.',
  // Dunning: what every notice says, whatever the policy.
  'dunning.overdueBy': '{days, plural, one {# day} other {# days}}',
  'dunning.summary.invoice': 'Invoice',
  'dunning.summary.amountDue': 'Amount due',
  'dunning.summary.dueDate': 'Due date',
  'dunning.summary.daysOverdue': 'Days overdue',
  // Dunning: finance's copies and alerts.
  'dunning.finance.tag.copy': 'Copy',
  'dunning.finance.tag.notDelivered': 'Not delivered',
  'dunning.finance.tag.check': 'Check',
  'dunning.finance.aboutOverdue':
    'invoice {number} ({amount}, {days, plural, one {# day} other {# days}} overdue)',
  'dunning.finance.aboutDue': 'invoice {number} ({amount}, due {dueDate})',
  'dunning.finance.copy': 'Copy of “{level}”, sent to {to} about {about}.',
  'dunning.finance.notDelivered':
    '“{level}” about {about} did NOT reach {to}: {reason} Please contact the customer another way. The notice is below.',
  'dunning.finance.uncertain':
    '“{level}” about {about} may not have reached {to}: {reason} Please contact the customer another way. The notice is below.',
  'dunning.finance.theCustomer': 'the customer',
  'dunning.alert.subject': '“{level}” for invoice {number} may not have been sent',
  'dunning.alert.body':
    '“{level}” for invoice {number} ({amount}, due {dueDate}) to {recipients, select, customer {the customer} finance {finance} other {the customer and finance}} was interrupted on {at} before its outcome was recorded.\n\nIt may or may not have been delivered, and it will not be sent again automatically. Please check with the customer, and resend it yourself if needed.',
  'dunning.reason.noAddress': 'The contact has no email address.',
  'dunning.reason.noContact': 'The contact no longer exists in the address book.',
  'dunning.reason.noFinanceAddress': 'The tenant has no finance address.',
  'dunning.reason.blocked': 'Not sent: {detail}',
  'dunning.reason.suppressed': 'The address is on the suppression list ({detail}).',
  'dunning.reason.refused': 'SES refused the message ({detail}).',
  'dunning.reason.interrupted': 'The send was interrupted ({detail}).',

  // Quotes and purchase orders.
  'quote.mail.subject': 'Quote {ref} from {company}',
  'quote.mail.greeting': 'Hello {firstName},',
  'quote.mail.intro': 'Here is our quote {ref}. It is valid until {validUntil}.',
  'quote.mail.line': '{quantity} × {item} at {unitPrice}: {amount}',
  'quote.mail.item': 'Item',
  'quote.mail.quantity': 'Quantity',
  'quote.mail.unitPrice': 'Unit price',
  'quote.mail.taxRate': 'Tax',
  'quote.mail.amount': 'Amount',
  'quote.mail.subtotal': 'Subtotal: {amount}',
  'quote.mail.tax': 'Tax: {amount}',
  'quote.mail.total': 'Total: {amount}',
  'quote.mail.delivery': 'If you accept it today, we expect to deliver by {date}.',
  'quote.mail.reply': 'Reply to this email to accept it or to ask us anything.',
  'purchaseOrder.mail.subject': 'Purchase order {ref} from {company}',
  'purchaseOrder.mail.greeting': 'Hello {supplier},',
  'purchaseOrder.mail.intro': 'Please supply the following (purchase order {ref}):',
  'purchaseOrder.mail.line': '{quantity} × {item}',
  'purchaseOrder.mail.sku': 'SKU',
  'purchaseOrder.mail.item': 'Item',
  'purchaseOrder.mail.quantity': 'Quantity',
  'purchaseOrder.mail.deliverTo': 'Deliver to: {address}',
  'purchaseOrder.mail.confirm': 'Please confirm by replying to this email.',

  // Tasks: reminders and the overdue digest (to members).
  'task.mail.greeting': 'Hello {name},',
  'task.reminder.subject': 'Reminder: {title}',
  'task.reminder.due': 'Your task “{title}” is due {due}.',
  'task.reminder.checklist': 'Checklist:',
  'task.digest.subject': '{count, plural, one {# overdue task} other {# overdue tasks}}',
  'task.digest.intro': 'These tasks are past their due time:',
  'task.digest.item': '{title} (due {due})',
  'task.digest.more': '…and {count} more.',

  // Marketing: the alert to admins when a mailing pauses itself.
  'marketing.alert.subject':
    '{kind, select, campaign {Sending paused: campaign "{name}"} other {Sending paused: mailing {name}}}',
  'marketing.alert.stopped':
    '{kind, select, campaign {Sending of the campaign "{name}" stopped by itself: {reason}} other {Sending of mailing {name} stopped by itself: {reason}}}',
  'marketing.alert.why':
    'Mailbox providers send more of your mail to spam when complaints or bounces are this high.',
  'marketing.alert.todo':
    'Check where the addresses of its audience came from and remove those who did not ask for your email.',
  'marketing.alert.todoResume':
    'Check where the addresses of its audience came from, remove those who did not ask for your email, then resume it (POST {url}) or cancel it.',
  'marketing.alert.stats': 'Statistics: GET {url}',
  'marketing.testSend.subject': '[Test] {subject}',

  // The operator's invoice of a tenant's month (shared/subscriptions/metering.ts).
  'subscriptions.statement.line':
    '{plan}, {month}: {seatDays, plural, one {# seat-day} other {# seat-days}} (active members each day)',
  'subscriptions.statement.stretch':
    '{plan}, {from} to {to}: {seatDays, plural, one {# seat-day} other {# seat-days}} (active members each day)',
  'subscriptions.statement.notes': 'Subscription of {tenant} (tenant {tenantId}).',
  // Quota emails to a tenant's admins (shared/subscriptions/quotas.ts).
  'subscriptions.quota.subject':
    '{level, select, reached {Your plan’s limit is reached} other {80 % of your plan’s limit is used}}: {quota, select, contacts {contacts} emailsPerMonth {emails this month} apiCallsPerDay {API calls today} other {storage}}',
  'subscriptions.quota.warning':
    'You have used 80 % of your plan’s {quota, select, contacts {{limit, number} contacts} emailsPerMonth {{limit, number} emails a month} apiCallsPerDay {{limit, number} API calls a day} other {{limit, number} MB of storage}} ({period}).',
  'subscriptions.quota.reached':
    'You have reached your plan’s {quota, select, contacts {{limit, number} contacts} emailsPerMonth {{limit, number} emails a month} apiCallsPerDay {{limit, number} API calls a day} other {{limit, number} MB of storage}} ({period}).',
  'subscriptions.quota.effect':
    '{quota, select, emailsPerMonth {At the limit, marketing mail stops until the month ends; invoices, reminders and replies are still sent.} apiCallsPerDay {At the limit, API calls are answered 429 until midnight; your subscription stays readable.} other {Nothing is refused: usage beyond the plan is shown on your monthly statement. A larger plan avoids it.}}',
  // The email to a tenant's admins when a webhook endpoint is disabled (shared/webhooks/alerts.ts).
  'webhooks.disabled.subject': 'Webhook endpoint disabled: {endpoint}',
  'webhooks.disabled.endpointNamed': '"{description}" ({host})',
  'webhooks.disabled.what':
    'The webhook endpoint {endpoint} was disabled: every attempt failed for {days, plural, one {# day} other {# days}}, since {since}.',
  'webhooks.disabled.skipped':
    'Events are no longer sent to it; they are kept in its delivery log as skipped for 30 days.',
  'webhooks.disabled.recover':
    'Once the receiver works again, enable the endpoint and replay what it missed:',
  'webhooks.disabled.request': '{request} with {body}',
  'webhooks.disabled.log': 'The delivery log says what it answered: GET {url}.',
} as const;
