"""Three sample interviews, written by the editors to show the format.

They are approved and marked `is_sample`: pages and the API say "sample" on
each, so nobody takes them for a real practitioner's words.
"""

from django.db import migrations
from django.utils import timezone

SAMPLES = [
    {
        "slug": "community-manager-fr-x7k2mq",
        "role": "community-manager",
        "employer_type": "nonprofit",
        "country": "FR",
        "language": "fr",
        "display_name": "Camille (exemple)",
        "path_to_job": (
            "J'ai fait une licence d'information-communication, puis un premier poste de chargée "
            "de communication dans une mutuelle. On m'a confié les réseaux sociaux « en plus », "
            "et j'ai découvert que ce qui me plaisait, ce n'était pas de publier mais de répondre : "
            "les questions, les colères, les remerciements. Au bout de deux ans, j'ai postulé à un "
            "poste de community manager dans une association nationale."
        ),
        "current_position": (
            "Community manager dans une association d'environ 300 salariés et plusieurs milliers "
            "de bénévoles. Je suis seule sur le poste, rattachée à la directrice de la "
            "communication, et je travaille beaucoup avec l'équipe qui anime les bénévoles."
        ),
        "community_management": (
            "C'est faire en sorte que les gens qui soutiennent l'association se sentent utiles et "
            "écoutés, et qu'ils se parlent entre eux. Je ne suis pas là pour faire de la publicité : "
            "je suis là pour que les bénévoles d'une ville trouvent ceux de la ville voisine, pour "
            "que les questions aient une réponse, et pour que la direction entende ce qui remonte "
            "du terrain."
        ),
        "typical_week": (
            "Le lundi, je fais le point sur ce qui s'est passé le week-end et je prépare le "
            "calendrier de la semaine. Chaque jour, une heure le matin et une heure en fin "
            "d'après-midi pour les réponses et la modération. Le mardi, réunion avec l'équipe "
            "bénévolat. Le jeudi, un live ou un atelier en ligne une semaine sur deux. Le vendredi, "
            "le reporting et la préparation des contenus. Et entre les deux, l'imprévu : une "
            "polémique, un bénévole en difficulté, une demande de journaliste."
        ),
        "missions_and_tools": (
            "Animation du groupe privé des bénévoles et des comptes publics, modération, contenus, "
            "veille, un peu de relation avec les donateurs. Côté outils : un outil de planification "
            "et de messagerie unifiée, un tableur partagé pour le calendrier, l'outil de "
            "visioconférence pour les ateliers, et beaucoup de réponses types que je réécris."
        ),
        "measuring_work": (
            "Chaque mois : le nombre de bénévoles actifs dans le groupe, le délai médian de "
            "réponse aux questions, la part des questions résolues par d'autres bénévoles, et le "
            "taux d'engagement sur la portée pour les comptes publics. J'ajoute toujours trois ou "
            "quatre verbatims : la direction s'en souvient mieux que des chiffres."
        ),
        "advice": (
            "Écrivez votre charte de modération avant d'en avoir besoin, et faites-la valider. "
            "Gardez une trace de vos décisions. Et protégez vos soirées : une communauté qui ne "
            "fonctionne que si vous répondez à 23 heures ne fonctionne pas."
        ),
    },
    {
        "slug": "social-media-manager-ca-p3v8nd",
        "role": "social-media-manager",
        "employer_type": "agency",
        "country": "CA",
        "language": "en",
        "display_name": "Sam (sample)",
        "path_to_job": (
            "I studied graphic design and started as a junior designer in a small agency in "
            "Montréal. I kept being asked to adapt visuals for social media, then to post them, "
            "then to explain why one post worked and another did not. After two years the agency "
            "created a social media team and I joined it."
        ),
        "current_position": (
            "Social media manager in a 40-person digital agency. I run four client accounts — a "
            "food brand, a museum, a sports retailer and a regional tourism board — with two "
            "community managers and freelance video editors."
        ),
        "community_management": (
            "For me it is the part of social media that cannot be scheduled: listening, answering, "
            "noticing what people actually care about. My job is the plan and the performance, "
            "but the plan is only good if the community managers bring back what they hear."
        ),
        "typical_week": (
            "Monday: reporting for the previous week and adjustments to paid campaigns. Tuesday "
            "and Wednesday: client meetings, briefs and content reviews. Thursday: shooting or "
            "editing short videos with the team. Friday: planning the next two weeks, checking "
            "budgets, and one hour of training or testing a new feature."
        ),
        "missions_and_tools": (
            "Platform strategy, editorial calendars, paid social, influencer collaborations, "
            "reporting. Tools: the platforms' own ad managers, a scheduling and inbox tool, a "
            "listening tool for two clients, web analytics with tagged links, and a lot of "
            "spreadsheets."
        ),
        "measuring_work": (
            "Each account has one goal per platform. For the museum it is reach and ticket "
            "clicks; for the retailer, cost per acquisition and return on ad spend; for the "
            "tourism board, engagement rate by reach and the growth of saved posts. Monthly "
            "reports compare with the previous month and the same month last year."
        ),
        "advice": (
            "Learn to read the numbers early, and learn to say what they do not prove. Keep a "
            "swipe file of posts that worked and why. And never publish something you would not "
            "want to defend in a meeting with the client's lawyer."
        ),
    },
    {
        "slug": "social-care-fr-h5t9wb",
        "role": "social-care",
        "employer_type": "brand",
        "country": "FR",
        "language": "fr",
        "display_name": "",
        "path_to_job": (
            "J'ai commencé au service client téléphonique d'un opérateur, pendant mes études. "
            "Quand l'entreprise a ouvert une cellule pour répondre sur les réseaux sociaux, on a "
            "cherché des conseillers qui écrivaient bien : j'ai passé un test de rédaction et j'ai "
            "changé d'équipe."
        ),
        "current_position": (
            "Conseiller relation client sociale chez un transporteur, dans une équipe de huit "
            "personnes qui couvre les réseaux sociaux et les avis en ligne de 7 heures à "
            "22 heures, week-ends compris."
        ),
        "community_management": (
            "Pour moi, c'est la relation client faite en public. Chaque réponse est lue par la "
            "personne qui a écrit, mais aussi par tous ceux qui passent par là. Il faut régler le "
            "problème, et montrer qu'on l'a réglé, sans jamais exposer les informations "
            "personnelles du client."
        ),
        "typical_week": (
            "Je travaille par créneaux : des périodes sur la file des messages privés, d'autres "
            "sur les commentaires publics, et une demi-journée par semaine sur le contrôle qualité "
            "des réponses de l'équipe. Les jours de grève ou de météo difficile, les volumes "
            "triplent et tout le monde est sur la file."
        ),
        "missions_and_tools": (
            "Répondre, orienter vers le bon service, suivre les dossiers, faire remonter les "
            "problèmes récurrents. Nous utilisons un outil de ticketing relié aux réseaux "
            "sociaux, une base de connaissances interne et des réponses types que nous "
            "personnalisons toujours."
        ),
        "measuring_work": (
            "Le délai médian de première réponse, la part des messages traités en moins d'une "
            "heure, le taux de résolution au premier contact et la satisfaction après l'échange, "
            "mesurée par un questionnaire d'une question. Nous suivons aussi les motifs de "
            "contact, qui intéressent beaucoup les équipes opérationnelles."
        ),
        "advice": (
            "Ne répondez jamais sous le coup de l'émotion : relisez, et passez en privé dès qu'il "
            "y a des données personnelles. Apprenez les procédures par cœur pour pouvoir résoudre "
            "vite. Et parlez à votre responsable quand un message vous a touché : c'est aussi "
            "ça, le métier."
        ),
    },
]


def add_samples(apps, schema_editor):
    Interview = apps.get_model("surveys", "Interview")
    now = timezone.now()
    for sample in SAMPLES:
        Interview.objects.create(
            **sample,
            consent_to_publish=True,
            state="approved",
            is_sample=True,
            submitted_at=now,
            reviewed_at=now,
        )


def remove_samples(apps, schema_editor):
    Interview = apps.get_model("surveys", "Interview")
    Interview.objects.filter(is_sample=True, slug__in=[s["slug"] for s in SAMPLES]).delete()


class Migration(migrations.Migration):
    dependencies = [("surveys", "0004_interview")]

    operations = [migrations.RunPython(add_samples, remove_samples)]
