"""Stand-in for fubon_neo.constant: the enums the documented order calls take."""
from enum import Enum


class BSAction(Enum):
    Buy = "Buy"
    Sell = "Sell"


class MarketType(Enum):
    Common = "Common"
    IntradayOdd = "IntradayOdd"


class PriceType(Enum):
    Limit = "Limit"
    Market = "Market"


class TimeInForce(Enum):
    ROD = "ROD"
    IOC = "IOC"
    FOK = "FOK"


class OrderType(Enum):
    Stock = "Stock"
    DayTrade = "DayTrade"
