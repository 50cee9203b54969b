"""Message-encryption vectors we did not write, copied byte for byte:

- DECRYPT_* and SAMPLE_FROM_XML: WeChat's official Python sample (消息加解密示例代码, Sample.py by
  jonyqin, 2014; copies at github.com/charlesXu86/Chatbot_CN Chatbot_Web/impl/weixin/Sample.py
  and elsewhere): a text message "abcdteT" from oyORnuP8q7ou2gfYjqLzSIWZf0rs, encrypted for
  appid wx2c2769f8efd9abc2 with token "spamtest". SAMPLE_FROM_XML is the sample's `from_xml`
  exactly as published: the envelope repeats the plain fields beside Encrypt.
- ENCRYPT_*: the official Java sample test (WXBizMsgCryptTest.testAesEncrypt): the fixed random
  prefix "aaaabbbbccccdddd" gives a fixed ciphertext.
- WECHATPY_*: wechatpy's own tests/test_crypto.py (test_decrypt_message): a message "test" from
  "messense", encrypted with token "123456" for "wx49f0ab532d5d035a" (its WeChat Work suite; the
  envelope and the cipher are the official account's).
"""

from __future__ import annotations

SAMPLE_AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"

DECRYPT_TOKEN = "spamtest"
DECRYPT_APPID = "wx2c2769f8efd9abc2"
DECRYPT_TIMESTAMP = "1409735669"
DECRYPT_NONCE = "1320562132"
DECRYPT_MSG_SIGNATURE = "5d197aaffba7e9b25a30732f161a50dee96bd5fa"
DECRYPT_ENCRYPT = (
    "hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8PG"
    "HQHFVAFmOD2LdJF9FrXpbUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T332jisa+h6"
    "tEDYsVticbSnyU8dKOIbgU6ux5VTjg3yt+WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCgavjIQ6X8tCOp"
    "3yZbGpy0VxpAe+77TszTfRd5RJSVO/HTnifJpXgCSUdUue1v6h0EIBYYI1BD1DlD+C0CR8e6OewpusjZ4uBl9FyJvnhv"
    "Ql+q5rv1ixrcpCumEPo5MJSgM9ehVsNPfUM669WuMyVWQLCzpu9GhglF2PE="
)
DECRYPT_BODY = (
    "<xml><ToUserName><![CDATA[gh_10f6c3c3ac5a]]></ToUserName>"
    f"<Encrypt><![CDATA[{DECRYPT_ENCRYPT}]]></Encrypt></xml>"
).encode()

SAMPLE_FROM_XML = (
    "<xml><ToUserName><![CDATA[gh_10f6c3c3ac5a]]></ToUserName><FromUserName><![CDATA[oyORnuP8q7ou"
    "2gfYjqLzSIWZf0rs]]></FromUserName><CreateTime>1409735668</CreateTime><MsgType><![CDATA[text]]"
    "></MsgType><Content><![CDATA[abcdteT]]></Content><MsgId>6054768590064713728</MsgId><Encrypt>"
    f"<![CDATA[{DECRYPT_ENCRYPT}]]></Encrypt></xml>"
).encode()

ENCRYPT_APPID = "wxb11529c136998cb6"
ENCRYPT_RANDOM = "aaaabbbbccccdddd"
ENCRYPT_PLAINTEXT = "我是中文abcd123"
ENCRYPT_CIPHERTEXT = (
    "jn1L23DB+6ELqJ+6bruv21Y6MD7KeIfP82D6gU39rmkgczbWwt5+3bnyg5K55bgVtVzd832WzZGMhkP72vVOfg=="
)


WECHATPY_TOKEN = "123456"
WECHATPY_AES_KEY = "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR"
WECHATPY_APPID = "wx49f0ab532d5d035a"
WECHATPY_TIMESTAMP = "1411525903"
WECHATPY_NONCE = "461056294"
WECHATPY_MSG_SIGNATURE = "74d92dfeb87ba7c714f89d98870ae5eb62dff26d"
WECHATPY_BODY = b"""<xml><ToUserName><![CDATA[wx49f0ab532d5d035a]]></ToUserName>
<Encrypt><![CDATA[RgqEoJj5A4EMYlLvWO1F86ioRjZfaex/gePD0gOXTxpsq5Yj4GNglrBb8I2BAJVODGajiFnXBu7mCPatfjsu6IHCrsTyeDXzF6Bv283dGymzxh6ydJRvZsryDyZbLTE7rhnus50qGPMfp2wASFlzEgMW9z1ef/RD8XzaFYgm7iTdaXpXaG4+BiYyolBug/gYNx410cvkKR2/nPwBiT+P4hIiOAQqGp/TywZBtDh1yCF2KOd0gpiMZ5jSw3e29mTvmUHzkVQiMS6td7vXUaWOMZnYZlF3So2SjHnwh4jYFxdgpkHHqIrH/54SNdshoQgWYEvccTKe7FS709/5t6NMxuGhcUGAPOQipvWTT4dShyqio7mlsl5noTrb++x6En749zCpQVhDpbV6GDnTbcX2e8K9QaNWHp91eBdCRxthuL0=]]></Encrypt>
<AgentID><![CDATA[1]]></AgentID>
</xml>"""


def sample_args(**extra: str) -> dict[str, str]:
    return {
        "timestamp": DECRYPT_TIMESTAMP,
        "nonce": DECRYPT_NONCE,
        "encrypt_type": "aes",
        "msg_signature": DECRYPT_MSG_SIGNATURE,
        **extra,
    }
