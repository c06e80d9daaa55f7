from issuer.piccolo_conf import *  # noqa: F401,F403
