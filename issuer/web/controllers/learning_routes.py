"""Every route handler of the learning half, for the app factory to mount in one line."""
from __future__ import annotations

from issuer.web.controllers.achievements import AchievementController, PublicAchievementController
from issuer.web.controllers.awards import AwardController
from issuer.web.controllers.badges import BadgeController
from issuer.web.controllers.elos import EloController
from issuer.web.controllers.evidence import EvidenceController
from issuer.web.controllers.frameworks import FrameworkController
from issuer.web.controllers.learning_pages import StudentPages, TeacherPages
from issuer.web.controllers.linked import PartnerController, PublicFrameworkController
from issuer.web.controllers.mentor import MentorController
from issuer.web.controllers.reviews import ReviewController

LEARNING_ROUTES = [FrameworkController, AchievementController, PublicAchievementController, EvidenceController,
                   ReviewController, EloController, MentorController, AwardController, BadgeController,
                   TeacherPages, StudentPages, PublicFrameworkController, PartnerController]
