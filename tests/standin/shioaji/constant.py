"""Stand-in for shioaji.constant: the enums the documented order calls take."""
from enum import Enum


class Action(str, Enum):
    Buy = "Buy"
    Sell = "Sell"


class StockPriceType(str, Enum):
    LMT = "LMT"
    MKT = "MKT"


class OrderType(str, Enum):
    ROD = "ROD"
    IOC = "IOC"
    FOK = "FOK"


class StockOrderLot(str, Enum):
    Common = "Common"
    IntradayOdd = "IntradayOdd"


class Status(str, Enum):
    Cancelled = "Cancelled"
    Filled = "Filled"
    PartFilled = "PartFilled"
    Failed = "Failed"
    PendingSubmit = "PendingSubmit"
    PreSubmitted = "PreSubmitted"
    Submitted = "Submitted"
    Inactive = "Inactive"
