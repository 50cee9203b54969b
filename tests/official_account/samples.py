"""WeChat's published message-encryption samples (消息加解密示例代码), as WeChat ships them
with its sample code and as many SDKs' test suites copy them:

- DECRYPT_*: the official Python sample (Sample.py): a text message "abcdteT" from
  oyORnuP8q7ou2gfYjqLzSIWZf0rs, encrypted for appid wx2c2769f8efd9abc2 with token "spamtest".
- ENCRYPT_*: the official Java sample test (WXBizMsgCryptTest.testAesEncrypt): the fixed random
  prefix "aaaabbbbccccdddd" gives a fixed ciphertext.
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

ENCRYPT_APPID = "wxb11529c136998cb6"
ENCRYPT_RANDOM = "aaaabbbbccccdddd"
ENCRYPT_PLAINTEXT = "我是中文abcd123"
ENCRYPT_CIPHERTEXT = (
    "jn1L23DB+6ELqJ+6bruv21Y6MD7KeIfP82D6gU39rmkgczbWwt5+3bnyg5K55bgVtVzd832WzZGMhkP72vVOfg=="
)


def sample_args(**extra: str) -> dict[str, str]:
    return {
        "timestamp": DECRYPT_TIMESTAMP,
        "nonce": DECRYPT_NONCE,
        "encrypt_type": "aes",
        "msg_signature": DECRYPT_MSG_SIGNATURE,
        **extra,
    }
