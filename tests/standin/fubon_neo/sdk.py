"""Stand-in for fubon_neo.sdk (tests only): FubonSDK, Order, Result with the documented names."""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import standin  # noqa: E402


class Result:
    def __init__(self, is_success, message=None, data=None):
        self.is_success, self.message, self.data = is_success, message, data


class Account:
    def __init__(self, account):
        self.account, self.branch_no, self.account_type = account, "6460", "stock"


class Order:
    def __init__(self, buy_sell, symbol, price, quantity, market_type, price_type, time_in_force, order_type,
                 user_def=None):
        self.buy_sell, self.symbol, self.price, self.quantity = buy_sell, symbol, price, quantity
        self.market_type, self.price_type, self.time_in_force, self.order_type = (market_type, price_type,
                                                                                 time_in_force, order_type)
        # The real SDK blanks or cuts an invalid tag and sends the order anyway.
        self.user_def = re.sub(r"[^A-Za-z0-9]", "", user_def or "")[:10]


class OrderResult:
    def __init__(self, order_no, seq_no, user_def, symbol):
        self.order_no, self.seq_no, self.user_def, self.stock_no = order_no, seq_no, user_def, symbol


class _Stock:
    def place_order(self, account, order, unblock=False):
        outcome, detail = standin.order_call(order.symbol, order.user_def)
        if outcome == "accepted":
            return Result(True, None, OrderResult(detail, detail[-5:], order.user_def, order.symbol))
        return Result(False, detail, None)

    def get_order_results(self, account):
        return Result(True, None, [OrderResult(e.get("order_no"), None, e["tag"], e["symbol"])
                                   for e in standin.book() if e["outcome"] == "accepted"])


class FubonSDK:
    def __init__(self):
        self.stock = _Stock()

    def login(self, personal_id, password, cert_path, cert_pass=None):
        if not standin.login_delay():
            return Result(False, "stand-in: login refused", None)
        return Result(True, None, [Account("1234567")])

    def apikey_login(self, personal_id, api_key, cert_path, cert_pass=None):
        return self.login(personal_id, api_key, cert_path, cert_pass)

    def logout(self):
        return True
