"""The platforms a user logs in through, as the session and the notices name them."""

from __future__ import annotations

WECHAT = "wechat"  # the WeChat mini-program (jscode2session)
ALIPAY = "alipay"  # the Alipay mini-program (alipay.system.oauth.token)
# The H5 pages' users: WeChat web OAuth of the official account. Their openid belongs to the
# official account, so their notices go as official-account template messages.
WECHAT_OA = "wechat_oa"
MINIPROGRAMS = (WECHAT, ALIPAY)
