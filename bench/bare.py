"""The baseline: a bare Flask app that answers /sms and /voice with constant TwiML, served like the hotline."""
from flask import Flask, Response

application = Flask(__name__)
SMS = '<?xml version="1.0" encoding="UTF-8"?><Response><Message>Hello</Message></Response>'
VOICE = '<?xml version="1.0" encoding="UTF-8"?><Response><Say>Hello</Say></Response>'


@application.post("/sms")
def sms():
    return Response(SMS, mimetype="text/xml")


@application.post("/voice")
def voice():
    return Response(VOICE, mimetype="text/xml")
