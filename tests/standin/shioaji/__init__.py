"""Stand-in for SinoPac's shioaji package (tests only: see ../standin.py)."""
import os
import re
import sys

from . import constant  # noqa: F401  (sj.constant.Action, ...)

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import standin  # noqa: E402


class _Obj:
    def __init__(self, **kw):
        self.__dict__.update(kw)


class _Stocks:
    def __getitem__(self, code):
        if code.startswith("NOSUCH"):
            return None  # the documented lookup of an unknown code gives no contract
        return _Obj(code=code, exchange="TSE", security_type="STK")


class Shioaji:
    def __init__(self, simulation=False, **kw):
        self.simulation = simulation
        self.Contracts = _Obj(Stocks=_Stocks())
        self.stock_account = None
        self._trades = []

    def login(self, api_key=None, secret_key=None, **kw):
        if not standin.login_delay():
            raise RuntimeError("stand-in: login refused")
        print("Response Code: 0 | Event Code: 0 | Info: stand-in | Event: Session up")  # as the SDK does, on stdout
        self.stock_account = _Obj(account_id="0000001", broker_id="9A95")
        return [self.stock_account]

    def activate_ca(self, ca_path, ca_passwd, person_id):
        return True

    def Order(self, price, quantity, action, price_type, order_type, order_lot=None, custom_field="",
              account=None, **kw):
        return _Obj(price=price, quantity=quantity, action=action, price_type=price_type, order_type=order_type,
                    order_lot=order_lot, custom_field=re.sub(r"[^A-Za-z0-9]", "", custom_field or "")[:6],
                    account=account, id="", seqno="", ordno="")

    def place_order(self, contract, order, timeout=5000, **kw):
        outcome, detail = standin.order_call(contract.code, order.custom_field)
        if outcome == "accepted":
            order.id, order.seqno, order.ordno = detail, detail[-5:], "I" + detail[-4:]
            status = _Obj(status=constant.Status.Submitted, msg="")
        else:
            status = _Obj(status=constant.Status.Failed, msg=detail)
        trade = _Obj(contract=contract, order=order, status=status)
        self._trades.append(trade)
        return trade

    def update_status(self, account=None, **kw):
        self._trades = [_Obj(contract=_Obj(code=e["symbol"]), order=_Obj(custom_field=e["tag"], id=e.get("order_no")),
                             status=_Obj(status=constant.Status.Submitted, msg=""))
                        for e in standin.book() if e["outcome"] == "accepted"]

    def list_trades(self):
        return list(self._trades)
