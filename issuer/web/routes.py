"""The route handlers of the catalog, evidence and awards, for the app factory to mount in one line."""
from __future__ import annotations

from issuer.catalog.controllers import AchievementController, PublicAchievementController
from issuer.catalog.framework_controller import FrameworkController
from issuer.catalog.pages import PublicFrameworkController
from issuer.credentials.award_controller import AwardController
from issuer.credentials.award_pages import AwardPages
from issuer.credentials.bulk_pages import BulkAwardPages
from issuer.credentials.oid4vci_controller import OpenIdCredentialController, OpenIdMetadataController
from issuer.credentials.pages import BadgeController
from issuer.credentials.wallet_controller import InteractionController, WalletExchangeController
from issuer.endorsements.pages import ROUTES as ENDORSEMENT_ROUTES
from issuer.evidence.cohort_pages import CohortPages
from issuer.evidence.controllers import EvidenceController
from issuer.evidence.elo_controller import EloController
from issuer.evidence.mentor_pages import MentorController, PartnerController
from issuer.evidence.pages import StudentPages
from issuer.evidence.review_controller import ReviewController
from issuer.evidence.teacher_pages import TeacherPages

LEARNING_ROUTES = [FrameworkController, AchievementController, PublicAchievementController, EvidenceController,
                   ReviewController, EloController, MentorController, AwardController, BadgeController,
                   TeacherPages, StudentPages, PublicFrameworkController, PartnerController, AwardPages,
                   WalletExchangeController, InteractionController, OpenIdMetadataController,
                   OpenIdCredentialController, CohortPages, BulkAwardPages, *ENDORSEMENT_ROUTES]
