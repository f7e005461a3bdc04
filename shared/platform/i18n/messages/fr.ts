import type { MessageKey } from '../catalog.ts';

/**
 * French. Typography follows French rules: a no-break space (\u00a0) before « : ; ? ! » and
 * inside « guillemets », so no line ever breaks there; apostrophes are typographic (’).
 * Messages avoid guessing an article or a gender for a name they do not know: a level, a topic
 * or a campaign is quoted as a title, never preceded by « le » or « la ».
 */
export const fr: Record<MessageKey, string> = {
  'error.badRequest.title': 'Cette demande n’a pas pu être traitée',
  'error.badRequest.body':
    'Quelque chose n’y est pas tel que cette page l’attend. Revenez en arrière, vérifiez ce que vous avez saisi et réessayez.',
  'error.unauthorized.title': 'Veuillez vous identifier',
  'error.unauthorized.body':
    'Cette page est réservée aux personnes qui ont accès au CRM. Ouvrez-la depuis le CRM avec votre clé.',
  'error.forbidden.title': 'Vous n’avez pas accès à cette page',
  'error.forbidden.body': 'Votre rôle ne le permet pas. Demandez à un administrateur si vous en avez besoin.',
  'error.notFound.title': 'Cette page n’existe pas',
  'error.notFound.body': 'L’adresse est peut-être mal saisie, ou ce vers quoi elle pointait a été supprimé.',
  'error.conflict.title': 'Ceci a été modifié entre-temps',
  'error.conflict.body': 'Une autre modification a eu lieu au même moment. Rechargez la page et réessayez.',
  'error.busy.title': 'Trop de demandes',
  'error.busy.body': 'Merci de patienter un instant, puis de réessayer.',
  'error.internal.title': 'Un problème est survenu de notre côté',
  'error.internal.body': 'Vous n’y êtes pour rien. Merci de réessayer dans quelques minutes.',
  'error.reference': 'Référence pour le support\u00a0: {requestId}',

  'link.invalid.title': 'Ce lien ne fonctionne pas',
  'link.invalid.body': 'Vérifiez que vous avez bien ouvert le lien complet de votre e-mail.',
  'link.revoked.title': 'Ce lien ne fonctionne plus',
  'link.revoked.body':
    '{company} a remplacé les liens de ses e-mails. Utilisez le lien d’un e-mail plus récent, ou écrivez à {company}.',

  // Sign-up verification (from the service to the tenant's first admin).
  'verification.email.subject': 'Confirmez votre adresse e-mail pour {company}',
  'verification.email.body':
    'Bonjour {admin},\n\nConfirmez que {email} est bien à vous pour commencer à envoyer des e-mails au nom de {company} avec Funnel CRM\u00a0:\n\n{url}\n\nLe lien est valable {hours}\u00a0heures. Si vous ne vous êtes pas inscrit, ignorez ce message\u00a0: rien n’est envoyé en votre nom tant que le lien n’est pas suivi.',
  'verification.form.title': 'Confirmez votre adresse e-mail',
  'verification.form.body':
    'Confirmez que {email} est bien à vous, pour envoyer des e-mails au nom de {company}.',
  'verification.form.button': 'Confirmer mon adresse e-mail',
  'verification.done.title': 'Merci',
  'verification.done.body':
    '{email} est confirmée. {company} peut désormais envoyer des e-mails et ajouter des membres.',
  'verification.expired.title': 'Ce lien a expiré',
  'verification.expired.body':
    'Connectez-vous avec votre clé d’API et demandez-en un nouveau (POST /v1/tenant/verification).',
  'verification.changed.title': 'Ce lien ne fonctionne plus',
  'verification.changed.body':
    'L’adresse à laquelle il a été envoyé a changé\u00a0; demandez un nouveau lien.',

  'survey.expired.title': 'Le lien de cette enquête a expiré',
  'survey.expired.body': 'Merci de votre intérêt. Le délai pour répondre à cette enquête est passé.',
  'survey.removed.title': 'Cette enquête n’est plus disponible',
  'survey.removed.body': 'L’enquête vers laquelle pointait ce lien a été supprimée.',
  'survey.closed.title': 'Cette enquête est close',
  'survey.closed.body': 'Elle n’accepte plus de réponses. Merci tout de même.',
  'survey.answered.title': 'Vous avez déjà répondu',
  'survey.answered.body': 'On répond une seule fois à chaque invitation. Merci\u00a0!',
  'survey.answered.bodyOn':
    'Nous avons reçu vos réponses le {date}. On répond une seule fois à chaque invitation. Merci\u00a0!',
  'survey.thanks.title': 'Merci\u00a0!',
  'survey.thanks.body': '{company} a bien reçu vos réponses. Vous pouvez fermer cette page.',
  'survey.form.check':
    '{count, plural, one {Merci de vérifier une réponse} other {Merci de vérifier # réponses}}',
  'survey.form.stray':
    '{count, plural, one {Cette enquête n’a pas de question {ids}\u00a0; cette réponse a été ignorée.} other {Cette enquête n’a pas de questions {ids}\u00a0; ces réponses ont été ignorées.}}',
  'survey.form.required': '(obligatoire)',
  'survey.form.optional': '(facultatif)',
  'survey.form.submit': 'Envoyer mes réponses',
  'survey.scale.nps.low': 'Pas du tout probable',
  'survey.scale.nps.high': 'Extrêmement probable',
  'survey.scale.csat.1': 'Très insatisfaisant',
  'survey.scale.csat.2': 'Insatisfaisant',
  'survey.scale.csat.3': 'Neutre',
  'survey.scale.csat.4': 'Satisfaisant',
  'survey.scale.csat.5': 'Très satisfaisant',
  'survey.scale.rating.low': 'Médiocre',
  'survey.scale.rating.high': 'Excellent',
  'survey.answer.unknown': 'Cette enquête n’a pas cette question.',
  'survey.answer.required': 'Cette question demande une réponse.',
  'survey.answer.scale': 'Choisissez un nombre entier de {min} à {max}.',
  'survey.answer.oneOf': 'Choisissez parmi\u00a0: {choices}.',
  'survey.answer.among': 'Choisissez un ou plusieurs choix parmi\u00a0: {choices}.',
  'survey.answer.text': 'Écrivez votre réponse sous forme de texte.',
  'survey.answer.tooLong': 'Limitez votre réponse à {max} caractères (elle en compte {length}).',
  'survey.paper.scaleEnds': '{min} = {low}, {max} = {high}',
  'survey.paper.tickOne': 'Cochez une case.',
  'survey.paper.tickAll': 'Cochez toutes les cases qui conviennent.',
  'survey.paper.returnTo': 'Merci de renvoyer cette page à {address}. Votre code\u00a0:',
  'survey.paper.codeNote':
    'Ce code nous permet d’enregistrer vos réponses une seule fois, à votre nom. Valable jusqu’à la clôture de l’enquête.',
  'survey.invitation.greeting': 'Bonjour {firstName},',
  'survey.invitation.greetingNobody': 'Bonjour,',
  'survey.invitation.ask':
    '{company} aimerait savoir si nous vous donnons satisfaction. L’enquête prend environ deux minutes.',
  'survey.invitation.button': 'Répondre à l’enquête',
  'survey.invitation.validUntil': 'Ce lien vous est personnel et fonctionne jusqu’au {expiresOn}.',
  'survey.invitation.thanks': 'Merci,',

  'selfService.title': 'Vos coordonnées chez {company}',
  'selfService.intro':
    'Corrigez ce qui est inexact puis enregistrez. Laissez un champ vide pour le supprimer.',
  'selfService.check': '{count, plural, one {Merci de vérifier un champ} other {Merci de vérifier # champs}}',
  'selfService.field.firstName': 'Prénom',
  'selfService.field.lastName': 'Nom',
  'selfService.field.email': 'E-mail',
  'selfService.field.phone': 'Téléphone',
  'selfService.field.line1': 'Rue',
  'selfService.field.line2': 'Complément d’adresse',
  'selfService.field.postalCode': 'Code postal',
  'selfService.field.city': 'Ville',
  'selfService.field.region': 'Région ou État',
  'selfService.field.country': 'Code pays (par ex. FR, BE)',
  'selfService.field.locale': 'Langue de nos e-mails',
  'selfService.field.form': 'Vos coordonnées',
  'selfService.addressLegend': 'Adresse postale',
  'selfService.consent.legend': 'Actualités et offres par e-mail',
  'selfService.consent.yes': 'Oui, envoyez-moi vos actualités et offres',
  'selfService.consent.no': 'Non merci',
  'selfService.locale.default': 'Au choix de {company}',
  'selfService.save': 'Enregistrer mes coordonnées',
  'selfService.invalid.required': 'Ce champ ne peut pas être vide.',
  'selfService.invalid.email': 'Saisissez une adresse e-mail, par exemple nom@exemple.fr.',
  'selfService.invalid.phone':
    'Saisissez un numéro de téléphone, avec l’indicatif du pays s’il est à l’étranger (par ex. +32 2 123 45 67).',
  'selfService.invalid.country': 'Saisissez un code pays de deux lettres, par exemple FR.',
  'selfService.invalid.tooLong': 'Ce texte est trop long ; raccourcissez-le.',
  'selfService.invalid.generic': 'Vérifiez ce champ.',
  'selfService.error.emailTaken':
    'Cette adresse e-mail est déjà celle d’une autre personne dans nos fichiers.',
  'selfService.error.other':
    'Vos coordonnées n’ont pas pu être enregistrées telles quelles\u00a0; merci de les vérifier.',
  'selfService.mail.subject': 'Vos coordonnées chez {company}',
  'selfService.mail.body':
    'Bonjour {name},\n\nVous pouvez vérifier et corriger les coordonnées que {company} détient à votre sujet, et choisir les emails que vous recevez, ici :\n\n{url}\n\nLe lien fonctionne pendant {days} jours. Si vous ne l’avez pas demandé, ignorez cet email.',
  'selfService.thanks.title': 'Merci',
  'selfService.thanks.body':
    '{company} a bien enregistré vos coordonnées telles que vous les avez données. Vous pouvez fermer cette page.',
  'selfService.expired.title': 'Ce lien a expiré',
  'selfService.expired.body':
    'Pour protéger vos données, ces liens fonctionnent une semaine. Demandez-en un nouveau à {company}.',
  'selfService.gone.title': 'Ce lien ne fonctionne plus',
  'selfService.gone.body': 'Les coordonnées vers lesquelles il pointait ne sont plus conservées.',

  'unsubscribe.confirm.titleTopic': 'Se désabonner de «\u00a0{topic}\u00a0»',
  'unsubscribe.confirm.titleAll': 'Se désabonner des e-mails marketing',
  'unsubscribe.confirm.questionTopic': 'Ne plus recevoir «\u00a0{topic}\u00a0» de {company}\u00a0?',
  'unsubscribe.confirm.questionAll': 'Ne plus recevoir d’e-mails marketing de {company}\u00a0?',
  'unsubscribe.confirm.button': 'Me désabonner',
  'unsubscribe.done.title': 'Votre désabonnement est enregistré',
  'unsubscribe.done.bodyTopic': 'Vous ne recevrez plus «\u00a0{topic}\u00a0» de {company}.',
  'unsubscribe.done.bodyAll': 'Vous ne recevrez plus d’e-mails marketing de {company}.',
  'unsubscribe.done.choose': 'Choisir ce que vous recevez',
  'preferences.title': 'Vos préférences d’e-mails',
  'preferences.saved': 'Vos choix sont enregistrés.',
  'preferences.intro': 'Choisissez les e-mails que {company} vous envoie à {email}.',
  'preferences.introNoEmail': 'Choisissez les e-mails que {company} vous envoie.',
  'preferences.want': 'Je souhaite recevoir',
  'preferences.nothing': 'Il n’y a encore rien à choisir.',
  'preferences.or': 'Ou',
  'preferences.stopAll': 'Aucun e-mail marketing',
  'preferences.save': 'Enregistrer mes choix',
  'preferences.gone.body': 'Nous ne conservons plus vos coordonnées.',

  'mail.footer.whyTopic': 'Vous recevez «\u00a0{topic}\u00a0» de {company}.',
  'mail.footer.why': 'Vous recevez cet e-mail de {company}.',
  'mail.footer.unsubscribe': 'Se désabonner',
  'mail.footer.choose': 'Choisir ce que vous recevez',
  'mail.footer.unsubscribeAt': 'Se désabonner\u00a0: {url}',
  'mail.footer.chooseAt': 'Choisir ce que vous recevez\u00a0: {url}',

  'invoice.print.title': 'Facture {number}',
  'invoice.print.draftTitle': 'Projet de facture',
  'invoice.print.stamp.draft': 'Brouillon',
  'invoice.print.stamp.paid': 'Payée',
  'invoice.print.stamp.void': 'Annulée',
  'invoice.print.issued': 'Émise le {date}',
  'invoice.print.due': 'Échéance\u00a0: {date}',
  'invoice.print.terms': 'Conditions de paiement\u00a0: {days, plural, one {# jour} other {# jours}}',
  'invoice.print.from': 'Émetteur',
  'invoice.print.billTo': 'Facturé à',
  'invoice.print.lines': 'Lignes de la facture',
  'invoice.print.description': 'Désignation',
  'invoice.print.quantity': 'Quantité',
  'invoice.print.unitPrice': 'Prix unitaire HT',
  'invoice.print.tax': 'TVA',
  'invoice.print.amount': 'Montant HT',
  'invoice.print.subtotal': 'Total HT',
  'invoice.print.total': 'Total TTC',
  'invoice.print.paid': 'Déjà payé',
  'invoice.print.amountDue': 'Reste à payer',
  'invoice.print.howToPay': 'Modalités de paiement',
  'invoice.print.notes': 'Remarques',

  'dunning.template.greeting': 'Bonjour {firstName},',
  'dunning.template.nobody': 'Madame, Monsieur',
  'dunning.template.howToPay': 'Pour régler\u00a0: {paymentInstructions}',
  'dunning.template.signature':
    'Si vous avez déjà réglé, merci, et veuillez ne pas tenir compte de ce message.',
  'dunning.template.paymentInstructions':
    'Virement bancaire, en indiquant la facture {number} en référence. Pour tout autre moyen de paiement, écrivez à {email}.',
  'dunning.courtesy.name': 'Rappel amical',
  'dunning.courtesy.subject': 'Facture {number}\u00a0: échéance le {dueDate}',
  'dunning.courtesy.body':
    'Un petit rappel\u00a0: la facture {number} d’un montant de {amountDue} arrive à échéance le {dueDate}.',
  'dunning.firstReminder.name': 'Première relance',
  'dunning.firstReminder.subject': 'Facture {number}\u00a0: échéance dépassée',
  'dunning.firstReminder.body':
    'La facture {number} d’un montant de {amountDue} était due le {dueDate}\u00a0; elle est en retard de {overdueBy}. Merci de procéder au règlement dès que possible.',
  'dunning.firstReminder.more':
    'Si quelque chose est inexact dans cette facture, répondez à cet e-mail et nous corrigerons.',
  'dunning.secondReminder.name': 'Deuxième relance',
  'dunning.secondReminder.subject': 'Deuxième relance\u00a0: facture {number}, {overdueBy} de retard',
  'dunning.secondReminder.body':
    'Nous n’avons pas encore reçu le règlement de {amountDue} pour la facture {number}, due le {dueDate}\u00a0: elle est en retard de {overdueBy}.',
  'dunning.finalNotice.name': 'Mise en demeure',
  'dunning.finalNotice.subject': 'Dernier avis\u00a0: facture {number} ({amountDue})',
  'dunning.finalNotice.body':
    'Malgré nos relances, la facture {number} d’un montant de {amountDue} est en retard de {overdueBy}. Sans règlement sous 7 jours, nous engagerons une procédure de recouvrement.',
  'dunning.escalation.name': 'Recouvrement',
  'dunning.escalation.subject': 'Facture {number}\u00a0: transmise au recouvrement',
  'dunning.escalation.body':
    'La facture {number} d’un montant de {amountDue} est en retard de {overdueBy}\u00a0; nous l’avons transmise à notre service financier pour recouvrement. Merci de régler dès maintenant, ou de répondre à cet e-mail pour en discuter.',
  'dunning.overdueBy': '{days, plural, one {# jour} other {# jours}}',
  'dunning.summary.invoice': 'Facture',
  'dunning.summary.amountDue': 'Montant dû',
  'dunning.summary.dueDate': 'Échéance',
  'dunning.summary.daysOverdue': 'Jours de retard',
  'dunning.finance.tag.copy': 'Copie',
  'dunning.finance.tag.notDelivered': 'Non remis',
  'dunning.finance.tag.check': 'À vérifier',
  'dunning.finance.aboutOverdue':
    'la facture {number} ({amount}, {days, plural, one {# jour} other {# jours}} de retard)',
  'dunning.finance.aboutDue': 'la facture {number} ({amount}, échéance le {dueDate})',
  'dunning.finance.copy': 'Copie de «\u00a0{level}\u00a0» (destinataire\u00a0: {to}) concernant {about}.',
  'dunning.finance.notDelivered':
    'L’envoi de «\u00a0{level}\u00a0» concernant {about} n’a PAS abouti chez {to}\u00a0: {reason} Merci de contacter le client autrement. L’avis figure ci-dessous.',
  'dunning.finance.uncertain':
    'L’envoi de «\u00a0{level}\u00a0» concernant {about} n’a peut-être pas abouti chez {to}\u00a0: {reason} Merci de contacter le client autrement. L’avis figure ci-dessous.',
  'dunning.finance.theCustomer': 'le client',
  'dunning.alert.subject': '«\u00a0{level}\u00a0» pour la facture {number}\u00a0: envoi incertain',
  'dunning.alert.body':
    'L’envoi de «\u00a0{level}\u00a0» pour la facture {number} ({amount}, échéance le {dueDate}) {recipients, select, customer {au client} finance {au service financier} other {au client et au service financier}} a été interrompu le {at}, avant que son résultat soit enregistré.\n\nIl a pu être remis ou non, et ne sera pas renvoyé automatiquement. Merci de vérifier auprès du client et de le renvoyer vous-même si nécessaire.',
  'dunning.reason.noAddress': 'Le contact n’a pas d’adresse e-mail.',
  'dunning.reason.noContact': 'Le contact n’existe plus dans le carnet d’adresses.',
  'dunning.reason.noFinanceAddress': 'Aucune adresse du service financier n’est renseignée.',
  'dunning.reason.blocked': 'Non envoyé : {detail}',
  'dunning.reason.suppressed': 'L’adresse figure sur la liste de suppression ({detail}).',
  'dunning.reason.refused': 'SES a refusé le message ({detail}).',
  'dunning.reason.interrupted': 'L’envoi a été interrompu ({detail}).',

  'quote.mail.subject': 'Devis {ref} de {company}',
  'quote.mail.greeting': 'Bonjour {firstName},',
  'quote.mail.intro': 'Voici notre devis {ref}. Il est valable jusqu’au {validUntil}.',
  'quote.mail.line': '{quantity} × {item} à {unitPrice}\u00a0: {amount}',
  'quote.mail.item': 'Article',
  'quote.mail.quantity': 'Quantité',
  'quote.mail.unitPrice': 'Prix unitaire',
  'quote.mail.taxRate': 'TVA',
  'quote.mail.amount': 'Montant',
  'quote.mail.subtotal': 'Total HT\u00a0: {amount}',
  'quote.mail.tax': 'TVA\u00a0: {amount}',
  'quote.mail.total': 'Total TTC\u00a0: {amount}',
  'quote.mail.delivery': 'Si vous l’acceptez aujourd’hui, nous prévoyons de livrer d’ici le {date}.',
  'quote.mail.reply': 'Répondez à cet e-mail pour l’accepter ou pour toute question.',
  'purchaseOrder.mail.subject': 'Bon de commande {ref} de {company}',
  'purchaseOrder.mail.greeting': 'Bonjour {supplier},',
  'purchaseOrder.mail.intro': 'Merci de nous fournir ce qui suit (bon de commande {ref})\u00a0:',
  'purchaseOrder.mail.line': '{quantity} × {item}',
  'purchaseOrder.mail.sku': 'Réf.',
  'purchaseOrder.mail.item': 'Article',
  'purchaseOrder.mail.quantity': 'Quantité',
  'purchaseOrder.mail.deliverTo': 'Livraison à\u00a0: {address}',
  'purchaseOrder.mail.confirm': 'Merci de confirmer en répondant à cet e-mail.',

  'task.mail.greeting': 'Bonjour {name},',
  'task.reminder.subject': 'Rappel\u00a0: {title}',
  'task.reminder.due': 'Votre tâche «\u00a0{title}\u00a0» arrive à échéance le {due}.',
  'task.reminder.checklist': 'Liste de contrôle\u00a0:',
  'task.digest.subject': '{count, plural, one {# tâche en retard} other {# tâches en retard}}',
  'task.digest.intro': 'Ces tâches ont dépassé leur échéance\u00a0:',
  'task.digest.item': '{title} (échéance le {due})',
  'task.digest.more': '… et {count} de plus.',

  'marketing.alert.subject':
    '{kind, select, campaign {Envoi suspendu\u00a0: campagne «\u00a0{name}\u00a0»} other {Envoi suspendu\u00a0: envoi {name}}}',
  'marketing.alert.stopped':
    '{kind, select, campaign {L’envoi de la campagne «\u00a0{name}\u00a0» s’est arrêté de lui-même\u00a0: {reason}} other {L’envoi {name} s’est arrêté de lui-même\u00a0: {reason}}}',
  'marketing.alert.why':
    'Les messageries classent davantage vos e-mails en spam quand les plaintes ou les rebonds sont aussi nombreux.',
  'marketing.alert.todo':
    'Vérifiez d’où viennent les adresses de son audience et retirez celles qui n’ont pas demandé vos e-mails.',
  'marketing.alert.todoResume':
    'Vérifiez d’où viennent les adresses de son audience, retirez celles qui n’ont pas demandé vos e-mails, puis reprenez l’envoi (POST {url}) ou annulez-le.',
  'marketing.alert.stats': 'Statistiques\u00a0: GET {url}',
  'marketing.testSend.subject': '[Essai] {subject}',

  'subscriptions.statement.line':
    '{plan}, {month} : {seatDays, plural, one {# jour-siège} other {# jours-sièges}} (membres actifs chaque jour)',
  'subscriptions.statement.stretch':
    '{plan}, du {from} au {to}\u00a0: {seatDays, plural, one {# jour-siège} other {# jours-sièges}} (membres actifs chaque jour)',
  'subscriptions.statement.notes': 'Abonnement de {tenant} (locataire {tenantId}).',
  'subscriptions.quota.subject':
    '{level, select, reached {La limite de votre offre est atteinte} other {80 % de la limite de votre offre sont utilisés}} : {quota, select, contacts {contacts} emailsPerMonth {e-mails du mois} apiCallsPerDay {appels d’API du jour} other {stockage}}',
  'subscriptions.quota.warning':
    'Vous avez utilisé 80 % de {quota, select, contacts {{limit, number} contacts} emailsPerMonth {{limit, number} e-mails par mois} apiCallsPerDay {{limit, number} appels d’API par jour} other {{limit, number} Mo de stockage}} de votre offre ({period}).',
  'subscriptions.quota.reached':
    'Vous avez atteint {quota, select, contacts {{limit, number} contacts} emailsPerMonth {{limit, number} e-mails par mois} apiCallsPerDay {{limit, number} appels d’API par jour} other {{limit, number} Mo de stockage}} de votre offre ({period}).',
  'subscriptions.quota.effect':
    '{quota, select, emailsPerMonth {À la limite, les e-mails marketing s’arrêtent jusqu’à la fin du mois ; factures, relances et réponses partent toujours.} apiCallsPerDay {À la limite, les appels d’API reçoivent 429 jusqu’à minuit ; votre abonnement reste lisible.} other {Rien n’est refusé : l’usage au-delà de l’offre figure sur votre relevé mensuel. Une offre plus grande l’évite.}}',
  'webhooks.disabled.subject': 'Point de terminaison webhook désactivé\u00a0: {endpoint}',
  'webhooks.disabled.endpointNamed': '«\u00a0{description}\u00a0» ({host})',
  'webhooks.disabled.what':
    'Le point de terminaison webhook {endpoint} a été désactivé\u00a0: toutes les tentatives ont échoué pendant {days, plural, one {# jour} other {# jours}}, depuis le {since}.',
  'webhooks.disabled.skipped':
    'Les événements ne lui sont plus envoyés\u00a0; ils restent 30 jours dans son journal de livraison, comme ignorés.',
  'webhooks.disabled.recover':
    'Une fois le récepteur rétabli, réactivez le point de terminaison et rejouez ce qu’il a manqué\u00a0:',
  'webhooks.disabled.request': '{request} avec {body}',
  'webhooks.disabled.log': 'Le journal de livraison dit ce qu’il a répondu\u00a0: GET {url}.',
};
